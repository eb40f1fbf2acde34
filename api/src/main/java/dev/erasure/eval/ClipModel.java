package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.ClipTextConfig;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.ClipTokenizer;
import dev.erasure.sd.ConfigJson;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.nn.Nn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' CLIPModel (4.37) in the HF layout of openai/clip-vit-*: {@code text_model.*} (run
 * by the SD text encoder's {@link ClipTextModel}), {@code vision_model.*} ({@link ClipVisionModel}),
 * {@code text_projection.weight}, {@code visual_projection.weight} (no bias) and the 0-d
 * {@code logit_scale}. Embeddings are the projected pooled outputs (get_text_features /
 * get_image_features); logits are exp(logit_scale)·cos as HF's logits_per_image.
 */
public final class ClipModel {
    private final ClipTextModel text;
    private final ClipVisionModel vision;
    private final Weights weights;
    private final int projectionDim;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;

    public ClipModel(ClipTextConfig textCfg, ClipVisionConfig visionCfg, int projectionDim, Weights w,
                     ClipTokenizer tokenizer, ClipImageProcessor processor) {
        this.text = new ClipTextModel(textCfg, w);
        this.vision = new ClipVisionModel(visionCfg, w);
        this.weights = w;
        this.projectionDim = projectionDim;
        this.tokenizer = tokenizer;
        this.processor = processor;
        w.get("text_projection.weight", new Shape(projectionDim, textCfg.hiddenSize()));
        w.get("visual_projection.weight", new Shape(projectionDim, visionCfg.hiddenSize()));
        w.get("logit_scale", new Shape());
    }

    /**
     * A folder with config.json (text_config + vision_config), model.safetensors,
     * preprocessor_config.json and the tokenizer files (the bundled CLIP vocabulary if vocab.json is absent).
     */
    public static ClipModel load(Path folder, NDManager manager) {
        Path config = folder.resolve("config.json");
        Path file = folder.resolve("model.safetensors");
        for (Path p : List.of(config, file, folder.resolve("preprocessor_config.json"))) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("CLIP folder " + folder + " has no " + p.getFileName());
        }
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + config + ": " + e.getMessage(), e);
        }
        if (!json.has("text_config") || !json.has("vision_config")) {
            throw new IllegalArgumentException(config + " is not a CLIPConfig: it needs text_config and vision_config");
        }
        int projection = new ConfigJson(json, config.toString()).integer("projection_dim", 512);
        ClipTokenizer tok = Files.exists(folder.resolve("vocab.json")) ? ClipTokenizer.fromFolder(folder) : ClipTokenizer.bundled();
        Weights w = new Weights(Safetensors.load(file, manager, k -> true, DataType.FLOAT32), file.toString());
        return new ClipModel(ClipTextConfig.fromJson(json), ClipVisionConfig.fromJson(json), projection, w, tok,
                ClipImageProcessor.fromFile(folder.resolve("preprocessor_config.json")));
    }

    /** Token ids [B,L] and the padding mask (1 up to and including the first EOS) of prompts. */
    public record TextInputs(NDArray ids, NDArray attentionMask) {
    }

    /** tokenizer(prompts, padding="max_length", truncation=True): the EOS is kept at the last position. */
    public TextInputs tokenize(NDManager manager, List<String> prompts) {
        long[][] ids = tokenizer.encode(prompts);
        long[][] mask = new long[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            mask[b] = new long[ids[b].length];
            boolean ended = false;
            for (int i = 0; i < ids[b].length; i++) {
                mask[b][i] = ended ? 0 : 1;
                ended |= ids[b][i] == tokenizer.eosId();
            }
        }
        return new TextInputs(manager.create(ids), manager.create(mask));
    }

    /** get_image_features: visual_projection(post_layernorm(class token)) [N,P], not normalised. */
    public NDArray imageEmbeds(NDArray pixelValues) {
        return Nn.linear(weights.sub("visual_projection"), vision.forward(pixelValues).pooled());
    }

    /** get_text_features(ids, mask): text_projection(pooled) [B,P], not normalised; mask may be null. */
    public NDArray textEmbeds(NDArray ids, NDArray attentionMask) {
        return Nn.linear(weights.sub("text_projection"), text.forwardAll(ids, attentionMask).pooled());
    }

    public NDArray textEmbeds(TextInputs inputs) {
        return textEmbeds(inputs.ids(), inputs.attentionMask());
    }

    public NDArray imageEmbedsNormalized(NDArray pixelValues) {
        return normalize(imageEmbeds(pixelValues));
    }

    public NDArray textEmbedsNormalized(TextInputs inputs) {
        return normalize(textEmbeds(inputs));
    }

    /** x / ‖x‖₂ along the last axis, as HF and torchmetrics divide by the norm. */
    public static NDArray normalize(NDArray embeds) {
        return embeds.div(embeds.square().sum(new int[] {-1}, true).sqrt());
    }

    /** exp(logit_scale) as a float (14.29 for the transformers init, 100 for trained CLIP). */
    public float logitScaleExp() {
        return (float) Math.exp(weights.get("logit_scale").toType(DataType.FLOAT32, false).getFloat());
    }

    /** HF logits_per_image [N_images, N_texts] = exp(logit_scale) · img_n · txt_nᵀ; transpose for logits_per_text. */
    public NDArray logitsPerImage(NDArray imageEmbeds, NDArray textEmbeds) {
        return normalize(imageEmbeds).matMul(normalize(textEmbeds).transpose()).mul(logitScaleExp());
    }

    public ClipTextModel textModel() {
        return text;
    }

    public ClipVisionModel visionModel() {
        return vision;
    }

    public Weights weights() {
        return weights;
    }

    public int projectionDim() {
        return projectionDim;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipImageProcessor processor() {
        return processor;
    }
}
