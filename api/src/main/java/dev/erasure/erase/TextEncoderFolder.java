package dev.erasure.erase;

import dev.erasure.io.AtomicFiles;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.ClipTextConfig;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A CLIP text encoder as a Hugging Face folder ({@code model.safetensors} + {@code config.json}),
 * the layout {@code transformers.CLIPTextModel.from_pretrained} and a diffusers pipeline's
 * {@code text_encoder/} sub-folder use; how AdvUnlearn's plug-in encoder is shipped.
 */
public final class TextEncoderFolder {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";

    private TextEncoderFolder() {
    }

    /** Writes every tensor of {@code encoder} (transformers names) and its config into {@code dir}, atomically per file. */
    public static void save(Path dir, ClipTextModel encoder, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
            Safetensors.save(dir.resolve(WEIGHTS), encoder.weights().asMap(), metadata);
            AtomicFiles.writeString(dir.resolve(CONFIG),
                    new GsonBuilder().setPrettyPrinting().create().toJson(configJson(encoder.config(), torchDtype(encoder))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write text encoder to " + dir, e);
        }
    }

    /** Loads a folder written by {@link #save} (or by transformers) into {@code manager}. */
    public static ClipTextModel load(Path dir, NDManager manager) {
        Path config = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(config)) throw new IllegalArgumentException("no " + CONFIG + " in " + dir);
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException("no " + WEIGHTS + " in " + dir);
        try {
            JsonObject json = JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, NDArray> tensors = Safetensors.load(weights, manager);
            return new ClipTextModel(ClipTextConfig.fromJson(json), new Weights(tensors, weights.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config, e);
        }
    }

    /** transformers' CLIPTextConfig keys (4.37). */
    private static String torchDtype(ClipTextModel encoder) {
        return switch (encoder.weights().get("text_model.final_layer_norm.weight").getDataType()) {
            case FLOAT16 -> "float16";
            case FLOAT64 -> "float64";
            default -> "float32";
        };
    }

    static JsonObject configJson(ClipTextConfig c, String torchDtype) {
        JsonObject j = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("CLIPTextModel");
        j.add("architectures", arch);
        j.addProperty("model_type", "clip_text_model");
        j.addProperty("vocab_size", c.vocabSize());
        j.addProperty("hidden_size", c.hiddenSize());
        j.addProperty("intermediate_size", c.intermediateSize());
        j.addProperty("num_hidden_layers", c.numHiddenLayers());
        j.addProperty("num_attention_heads", c.numAttentionHeads());
        j.addProperty("max_position_embeddings", c.maxPositionEmbeddings());
        j.addProperty("hidden_act", c.hiddenAct());
        j.addProperty("layer_norm_eps", c.layerNormEps());
        j.addProperty("attention_dropout", 0.0);
        j.addProperty("dropout", 0.0);
        j.addProperty("pad_token_id", c.padTokenId());
        j.addProperty("bos_token_id", c.bosTokenId());
        j.addProperty("eos_token_id", c.eosTokenId());
        j.addProperty("torch_dtype", torchDtype);
        return j;
    }
}
