package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads the diffusers-layout components of a fixture folder for the parity tests. */
final class ModelFixtures {
    private ModelFixtures() {
    }

    static JsonObject config(Path componentDir) {
        return config(componentDir, "config.json");
    }

    static JsonObject config(Path componentDir, String file) {
        try {
            return JsonParser.parseString(Files.readString(componentDir.resolve(file))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Weights weights(Path componentDir, NDManager manager) {
        Path file = componentDir.resolve("diffusion_pytorch_model.safetensors");
        Map<String, NDArray> tensors = Safetensors.load(file, manager);
        return new Weights(tensors, file.toString());
    }

    static UNet2DConditionModel unet(Path fixture, NDManager manager) {
        Path dir = fixture.resolve("unet");
        return new UNet2DConditionModel(UNetConfig.fromJson(config(dir)), weights(dir, manager));
    }

    /** Both tokenizers and text encoders of an SDXL fixture folder. */
    static SdxlPromptEncoder sdxlPromptEncoder(Path fixture, NDManager manager) {
        return new SdxlPromptEncoder(ClipTokenizer.fromFolder(fixture.resolve("tokenizer")), text(fixture.resolve("text_encoder"), manager),
                ClipTokenizer.fromFolder(fixture.resolve("tokenizer_2")), text(fixture.resolve("text_encoder_2"), manager));
    }

    static ClipTextModel text(Path dir, NDManager manager) {
        Path file = dir.resolve("model.safetensors");
        return new ClipTextModel(ClipTextConfig.fromJson(config(dir)), new Weights(Safetensors.load(file, manager), file.toString()));
    }

    static AutoencoderKL vae(Path fixture, NDManager manager) {
        Path dir = fixture.resolve("vae");
        return new AutoencoderKL(VaeConfig.fromJson(config(dir)), weights(dir, manager));
    }

    private static final Pattern PROMPTS = Pattern.compile("prompts\\s*\\[?(\\d+(?:\\s*(?:,|and)\\s*\\d+)*)");

    /**
     * The rows of {@code all} [prompts, ...] that a golden entry holds for some prompts only
     * ("... for prompts 1 and 4", "... for prompts [1, 4]"), as its description says.
     */
    static NDArray selectPrompts(NDArray all, JsonObject entry, String name) {
        String description = entry.has("description") ? entry.get("description").getAsString() : "";
        Matcher m = PROMPTS.matcher(description);
        if (!m.find()) throw new IllegalStateException("golden entry " + name + " names no prompts in '" + description + "'");
        String[] parts = m.group(1).split("\\s*(?:,|and)\\s*");
        NDList rows = new NDList();
        for (String part : parts) rows.add(all.get(Long.parseLong(part.trim())));
        return NDArrays.stack(rows);
    }

    private static final Pattern TIMESTEP = Pattern.compile("timesteps?\\D*?(-?\\d+(?:\\.\\d+)?)");

    /**
     * The timestep of a golden case that stores none as a tensor (a python int passed to the
     * UNet): read from the description of the case's output entry ("... timestep passed as the
     * python int 500").
     */
    static double timestepFromDescription(String description, String entry) {
        Matcher m = TIMESTEP.matcher(description == null ? "" : description);
        if (!m.find()) {
            throw new IllegalStateException("golden entry " + entry + " has no timesteps tensor and its description '"
                    + description + "' names no timestep");
        }
        return Double.parseDouble(m.group(1));
    }
}
