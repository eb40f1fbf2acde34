package dev.erasure.sd;

import com.google.gson.JsonObject;


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
        ConfigJson j = new ConfigJson(c, "text encoder config");
        return new ClipTextConfig(
                j.integer("vocab_size", 49408),
                j.integer("hidden_size", 512),
                j.integer("intermediate_size", 2048),
                j.integer("num_hidden_layers", 12),
                j.integer("num_attention_heads", 8),
                j.integer("max_position_embeddings", 77),
                j.string("hidden_act", "quick_gelu"),
                (float) j.number("layer_norm_eps", 1e-5),
                j.integer("pad_token_id", 1),
                j.integer("bos_token_id", 49406),
                j.integer("eos_token_id", 49407));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
