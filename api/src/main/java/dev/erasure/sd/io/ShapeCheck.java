package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.Map;

/**
 * Checks a config against the tensors it is meant to describe, and infers the CLIP text config
 * (which an LDM yaml does not give) from them. A single file's yaml is found by convention, so a
 * wrong one must fail here with a message naming the key, not later as a mysterious shape error.
 */
final class ShapeCheck {
    private ShapeCheck() {
    }

    static void unet(String where, JsonObject cfg, Map<String, NDArray> w) {
        JsonArray channels = cfg.getAsJsonArray("block_out_channels");
        JsonArray down = cfg.getAsJsonArray("down_block_types");
        int layers = cfg.get("layers_per_block").getAsInt();
        dim(where, w, "conv_in.weight", 0, channels.get(0).getAsLong());
        dim(where, w, "conv_in.weight", 1, cfg.get("in_channels").getAsLong());
        for (int i = 0; i < down.size(); i++) {
            String block = "down_blocks." + i;
            dim(where, w, block + ".resnets." + (layers - 1) + ".conv1.weight", 0, channels.get(i).getAsLong());
            if (w.containsKey(block + ".resnets." + layers + ".conv1.weight")) {
                throw mismatch(where, block + ".resnets." + layers, "exists but layers_per_block is " + layers);
            }
            boolean attn = down.get(i).getAsString().startsWith("CrossAttn");
            String proj = block + ".attentions.0.proj_in.weight";
            if (attn != w.containsKey(proj)) {
                throw mismatch(where, proj, (attn ? "is missing but the config puts attention" : "exists but the config puts no attention")
                        + " in level " + i);
            }
            if (attn) {
                boolean linear = cfg.get("use_linear_projection").getAsBoolean();
                if (linear != (w.get(proj).getShape().dimension() == 2)) {
                    throw mismatch(where, proj, "has shape " + w.get(proj).getShape() + " but use_linear_projection is " + linear);
                }
                dim(where, w, block + ".attentions.0.transformer_blocks.0.attn2.to_k.weight", 1,
                        cfg.get("cross_attention_dim").getAsLong());
            }
        }
    }

    static void vae(String where, JsonObject cfg, Map<String, NDArray> w) {
        JsonArray channels = cfg.getAsJsonArray("block_out_channels");
        int last = channels.size() - 1;
        dim(where, w, "encoder.conv_in.weight", 0, channels.get(0).getAsLong());
        dim(where, w, "encoder.down_blocks." + last + ".resnets.0.conv1.weight", 0, channels.get(last).getAsLong());
        dim(where, w, "post_quant_conv.weight", 0, cfg.get("latent_channels").getAsLong());
    }

    /**
     * transformers CLIPTextConfig from the weights: hidden size and vocabulary from the token
     * embedding, positions from the position embedding, layers by counting, intermediate size from
     * fc1. Heads are not recorded anywhere in the file: {@code heads} if given, else hidden/64
     * (OpenAI CLIP always uses 64-wide heads: 768 → 12 for SD-1), else an error asking for it.
     * The token ids are SD-1's legacy CLIP config values (bos 0, eos 2, pad 1), as its text_encoder/config.json has.
     */
    static JsonObject textConfig(String where, Map<String, NDArray> w, Integer heads) {
        Shape tok = shape(where, w, "text_model.embeddings.token_embedding.weight");
        Shape pos = shape(where, w, "text_model.embeddings.position_embedding.weight");
        Shape fc1 = shape(where, w, "text_model.encoder.layers.0.mlp.fc1.weight");
        long hidden = tok.get(1);
        int layers = 0;
        while (w.containsKey("text_model.encoder.layers." + layers + ".mlp.fc1.weight")) layers++;
        int numHeads;
        if (heads != null) {
            if (heads <= 0 || hidden % heads != 0) {
                throw new WeightException(where + ": text encoder heads " + heads + " do not divide hidden size " + hidden);
            }
            numHeads = heads;
        } else if (hidden % 64 == 0) {
            numHeads = (int) (hidden / 64);
        } else {
            throw new WeightException(where + ": the text encoder has hidden size " + hidden + ", which is not a multiple "
                    + "of CLIP's 64-wide heads, and the file does not record the head count; pass it as Options.textHeads");
        }
        JsonObject c = new JsonObject();
        c.addProperty("model_type", "clip_text_model");
        c.addProperty("hidden_size", hidden);
        c.addProperty("vocab_size", tok.get(0));
        c.addProperty("max_position_embeddings", pos.get(0));
        c.addProperty("num_hidden_layers", layers);
        c.addProperty("num_attention_heads", numHeads);
        c.addProperty("intermediate_size", fc1.get(0));
        c.addProperty("projection_dim", hidden);
        c.addProperty("hidden_act", "quick_gelu");
        c.addProperty("layer_norm_eps", 1e-5);
        c.addProperty("bos_token_id", 0);
        c.addProperty("eos_token_id", 2);
        c.addProperty("pad_token_id", 1);
        return c;
    }

    private static Shape shape(String where, Map<String, NDArray> w, String key) {
        NDArray a = w.get(key);
        if (a == null) throw new WeightException(where + " lacks '" + key + "'");
        return a.getShape();
    }

    private static void dim(String where, Map<String, NDArray> w, String key, int axis, long expected) {
        Shape s = shape(where, w, key);
        if (s.dimension() <= axis || s.get(axis) != expected) {
            throw mismatch(where, key, "has shape " + s + " but the config implies size " + expected + " on axis " + axis);
        }
    }

    private static WeightException mismatch(String where, String key, String what) {
        return new WeightException(where + ": the config does not fit the weights: '" + key + "' " + what
                + " (pass the checkpoint's own LDM yaml as Options.yaml)");
    }
}
