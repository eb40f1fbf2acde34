package dev.erasure.eval;

import com.google.gson.JsonObject;
import dev.erasure.sd.ConfigJson;

/**
 * transformers' CLIPVisionConfig (4.37), read from a CLIPConfig's {@code vision_config} (or a bare
 * vision config); unknown keys ignored, missing keys at transformers' defaults (ViT-B/32).
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                               int numChannels, int imageSize, int patchSize, String hiddenAct, float layerNormEps) {

    public ClipVisionConfig {
        if (numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("vision_config: hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("vision_config: image_size " + imageSize
                    + " is not a multiple of patch_size " + patchSize);
        }
    }

    public static ClipVisionConfig fromJson(JsonObject c) {
        if (c != null && c.has("vision_config") && c.get("vision_config").isJsonObject()) c = c.getAsJsonObject("vision_config");
        ConfigJson j = new ConfigJson(c, "vision config");
        return new ClipVisionConfig(
                j.integer("hidden_size", 768),
                j.integer("intermediate_size", 3072),
                j.integer("num_hidden_layers", 12),
                j.integer("num_attention_heads", 12),
                j.integer("num_channels", 3),
                j.integer("image_size", 224),
                j.integer("patch_size", 32),
                j.string("hidden_act", "quick_gelu"),
                (float) j.number("layer_norm_eps", 1e-5));
    }

    /** Patches per side of the square image grid. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Sequence length: one class token plus the patches. */
    public int numPositions() {
        return gridSize() * gridSize() + 1;
    }
}
