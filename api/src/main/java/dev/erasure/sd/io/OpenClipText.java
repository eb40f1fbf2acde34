package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SD-2.x's OpenCLIP text tower ({@code cond_stage_model.model.*}) renamed to transformers'
 * CLIPTextModel keys, as diffusers' {@code convert_open_clip_checkpoint} does: the fused
 * {@code attn.in_proj_weight/bias} is split into q/k/v thirds, and with the "penultimate" layer
 * (SD-2's default) the tower's last resblock is dropped, the final LayerNorm kept. The unused
 * {@code text_projection} and {@code logit_scale} are skipped.
 */
final class OpenClipText {
    private OpenClipText() {
    }

    private static final Map<String, String> LAYER_PARTS = Map.of(
            "ln_1", "layer_norm1", "ln_2", "layer_norm2", "attn.out_proj", "self_attn.out_proj",
            "mlp.c_fc", "mlp.fc1", "mlp.c_proj", "mlp.fc2");

    static Map<String, NDArray> toTransformers(Path file, Map<String, NDArray> all, String prefix, boolean penultimate) {
        int resblocks = 0;
        while (all.containsKey(prefix + "transformer.resblocks." + resblocks + ".ln_1.weight")) resblocks++;
        int layers = penultimate ? resblocks - 1 : resblocks;
        if (layers <= 0) throw new WeightException(file + ": the OpenCLIP text tower has " + resblocks + " resblocks");
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("text_model.embeddings.token_embedding.weight", need(file, all, prefix + "token_embedding.weight"));
        out.put("text_model.embeddings.position_embedding.weight", need(file, all, prefix + "positional_embedding"));
        for (int l = 0; l < layers; l++) {
            String src = prefix + "transformer.resblocks." + l + ".";
            String dst = "text_model.encoder.layers." + l + ".";
            for (Map.Entry<String, String> part : LAYER_PARTS.entrySet()) {
                for (String kind : new String[] {"weight", "bias"}) {
                    out.put(dst + part.getValue() + "." + kind, need(file, all, src + part.getKey() + "." + kind));
                }
            }
            for (String kind : new String[] {"weight", "bias"}) {
                NDArray fused = need(file, all, src + "attn.in_proj_" + kind);
                if (fused.getShape().get(0) % 3 != 0) {
                    throw new WeightException(file + ": " + src + "attn.in_proj_" + kind + " has shape " + fused.getShape()
                            + ", not three stacked projections");
                }
                NDList qkv = fused.split(3, 0);
                String[] names = {"q_proj", "k_proj", "v_proj"};
                for (int i = 0; i < 3; i++) out.put(dst + "self_attn." + names[i] + "." + kind, qkv.get(i));
            }
        }
        out.put("text_model.final_layer_norm.weight", need(file, all, prefix + "ln_final.weight"));
        out.put("text_model.final_layer_norm.bias", need(file, all, prefix + "ln_final.bias"));
        return out;
    }

    private static NDArray need(Path file, Map<String, NDArray> all, String key) {
        NDArray a = all.get(key);
        if (a == null) throw new WeightException(file + " lacks '" + key + "' (an SD-2.x OpenCLIP text tower)");
        return a;
    }
}
