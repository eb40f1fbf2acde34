package dev.erasure.sd;

import com.google.gson.JsonObject;

import static dev.erasure.sd.ConfigJson.integer;
import static dev.erasure.sd.ConfigJson.number;
import static dev.erasure.sd.ConfigJson.string;

/**
 * transformers' CLIPTextConfig (4.37): built from a text encoder's config.json, unknown keys
 * ignored, missing keys at transformers' defaults. The token ids matter only for the pooler:
 * SD-1.x configs carry the legacy {@code eos_token_id: 2}, which makes it use argmax(ids).
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct,
                             float layerNormEps, long padTokenId, long bosTokenId, long eosTokenId) {

    public ClipTextConfig {
        if (numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
    }

    public static ClipTextConfig fromJson(JsonObject c) {
        // A full CLIPConfig nests the text part under text_config.
        if (c.has("text_config") && c.get("text_config").isJsonObject()) c = c.getAsJsonObject("text_config");
        return new ClipTextConfig(
                integer(c, "vocab_size", 49408),
                integer(c, "hidden_size", 512),
                integer(c, "intermediate_size", 2048),
                integer(c, "num_hidden_layers", 12),
                integer(c, "num_attention_heads", 8),
                integer(c, "max_position_embeddings", 77),
                string(c, "hidden_act", "quick_gelu"),
                (float) number(c, "layer_norm_eps", 1e-5),
                integer(c, "pad_token_id", 1),
                integer(c, "bos_token_id", 49406),
                integer(c, "eos_token_id", 49407));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
