package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a pixel-space SD-v1 as a diffusers folder that {@code StableDiffusion.load} (and diffusers)
 * read: model_index.json without a VAE, unet/, text_encoder/, tokenizer/ (the bundled CLIP BPE with
 * model_max_length = the text encoder's positions) and scheduler/. The 49408-row token table is
 * stored as float16 (the loader widens it to the load dtype; only ~40 rows are ever trained, the
 * rest keep their N(0, 0.02) init, well inside fp16's range); everything else is float32. The folder
 * is written beside the target and moved into place, so a reader never sees a half-written model.
 */
public final class ModelExport {
    static final String TOKEN_TABLE = "text_model.embeddings.token_embedding.weight";
    private static final String TOKENIZER_RESOURCE = "/dev/erasure/sd/clip-tokenizer/";

    private ModelExport() {
    }

    public static void save(Path folder, JsonObject unetConfig, Map<String, NDArray> unet, JsonObject textConfig,
                            Map<String, NDArray> text, JsonObject schedulerConfig, Map<String, String> metadata) {
        Path tmp = folder.resolveSibling(folder.getFileName() + ".tmp");
        try (NDScope scope = new NDScope()) {
            AtomicFiles.deleteTree(tmp);
            Files.createDirectories(tmp.resolve("unet"));
            Files.createDirectories(tmp.resolve("text_encoder"));
            Files.createDirectories(tmp.resolve("tokenizer"));
            Files.createDirectories(tmp.resolve("scheduler"));
            write(tmp.resolve("model_index.json"), modelIndex());
            write(tmp.resolve("unet/config.json"), unetConfig);
            Safetensors.save(tmp.resolve("unet/diffusion_pytorch_model.safetensors"), unet, metadata);
            write(tmp.resolve("text_encoder/config.json"), textConfig);
            Map<String, NDArray> textOut = new LinkedHashMap<>(text);
            textOut.put(TOKEN_TABLE, text.get(TOKEN_TABLE).toType(DataType.FLOAT16, false));
            Safetensors.save(tmp.resolve("text_encoder/model.safetensors"), textOut, metadata);
            writeTokenizer(tmp.resolve("tokenizer"), textConfig.get("max_position_embeddings").getAsInt());
            write(tmp.resolve("scheduler/scheduler_config.json"), schedulerConfig);
            Path old = folder.resolveSibling(folder.getFileName() + ".old");
            AtomicFiles.deleteTree(old);
            if (Files.exists(folder)) Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject modelIndex() {
        return JsonParser.parseString("""
                {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.25.1",
                 "feature_extractor": [null, null], "image_encoder": [null, null], "requires_safety_checker": false,
                 "safety_checker": [null, null], "scheduler": ["diffusers", "DDIMScheduler"],
                 "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
                 "unet": ["diffusers", "UNet2DConditionModel"], "vae": [null, null]}""").getAsJsonObject();
    }

    private static void writeTokenizer(Path dir, int maxLength) throws IOException {
        for (String name : new String[] {"vocab.json", "merges.txt", "special_tokens_map.json"}) {
            try (InputStream in = ModelExport.class.getResourceAsStream(TOKENIZER_RESOURCE + name)) {
                if (in == null) throw new IOException("bundled tokenizer resource " + name + " is missing");
                AtomicFiles.write(dir.resolve(name), in::transferTo);
            }
        }
        JsonObject cfg;
        try (InputStream in = ModelExport.class.getResourceAsStream(TOKENIZER_RESOURCE + "tokenizer_config.json")) {
            if (in == null) throw new IOException("bundled tokenizer_config.json is missing");
            cfg = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        cfg.addProperty("model_max_length", maxLength);
        write(dir.resolve("tokenizer_config.json"), cfg);
    }

    static void write(Path file, JsonObject json) throws IOException {
        AtomicFiles.writeString(file, ShapeWorldModel.GSON.toJson(json) + "\n");
    }
}
