package dev.erasure.sd.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Renaming between diffusers module names and the original CompVis/LDM names of one component,
 * computed by rules from the component's diffusers config (levels, layers_per_block, which blocks
 * have attention), as diffusers' {@code convert_from_ckpt} does. The rules are a table of module
 * prefix pairs ({@code down_blocks.0.resnets.0.norm1.} ↔ {@code input_blocks.1.0.in_layers.0.});
 * a key is renamed by its longest known prefix, so everything below a module that keeps its
 * names (transformer blocks) follows automatically, and the same table serves both directions.
 * Keys here are below the component prefix ({@code model.diffusion_model.} etc.).
 */
final class CompVisNames {
    private final Map<String, String> toDiffusers = new HashMap<>();
    private final Map<String, String> toLdm = new HashMap<>();
    /** diffusers keys of Linear weights that LDM stores as 1×1 conv weights [C,C,1,1]. */
    private final Set<String> linearAsConv;

    private CompVisNames(Set<String> linearAsConv) {
        this.linearAsConv = linearAsConv;
    }

    private void pair(String diffusers, String ldm) {
        toDiffusers.put(ldm + ".", diffusers + ".");
        toLdm.put(diffusers + ".", ldm + ".");
    }

    /** LDM key → diffusers key, or null when no rule covers it. */
    String toDiffusers(String ldmKey) {
        return rename(ldmKey, toDiffusers);
    }

    /** diffusers key → LDM key, or null when no rule covers it. */
    String toLdm(String diffusersKey) {
        return rename(diffusersKey, toLdm);
    }

    /** Whether this diffusers key is a Linear weight [C,C] that LDM keeps as a conv [C,C,1,1]. */
    boolean isLinearStoredAsConv(String diffusersKey) {
        return linearAsConv.contains(diffusersKey);
    }

    private static String rename(String key, Map<String, String> table) {
        // longest prefix first: the resnet-internal pairs must win over their block's pair
        for (int i = key.lastIndexOf('.'); i > 0; i = key.lastIndexOf('.', i - 1)) {
            String to = table.get(key.substring(0, i + 1));
            if (to != null) return to + key.substring(i + 1);
        }
        return null;
    }

    /** UNet2DConditionModel ↔ openaimodel.UNetModel. */
    static CompVisNames unet(JsonObject cfg) {
        int layers = cfg.get("layers_per_block").getAsInt();
        JsonArray downTypes = cfg.getAsJsonArray("down_block_types");
        JsonArray upTypes = cfg.getAsJsonArray("up_block_types");
        int levels = downTypes.size();
        CompVisNames n = new CompVisNames(Set.of());
        n.pair("time_embedding.linear_1", "time_embed.0");
        n.pair("time_embedding.linear_2", "time_embed.2");
        n.pair("conv_in", "input_blocks.0.0");
        for (int i = 0; i < levels; i++) {
            boolean attn = downTypes.get(i).getAsString().startsWith("CrossAttn");
            for (int j = 0; j < layers; j++) {
                // each level holds `layers` resnet(+attention) blocks and one downsampler: stride layers+1
                int block = (layers + 1) * i + j + 1;
                n.unetResnet("down_blocks." + i + ".resnets." + j, "input_blocks." + block + ".0");
                if (attn) n.pair("down_blocks." + i + ".attentions." + j, "input_blocks." + block + ".1");
            }
            if (i < levels - 1) {
                n.pair("down_blocks." + i + ".downsamplers.0.conv", "input_blocks." + ((layers + 1) * (i + 1)) + ".0.op");
            }
        }
        n.unetResnet("mid_block.resnets.0", "middle_block.0");
        n.pair("mid_block.attentions.0", "middle_block.1");
        n.unetResnet("mid_block.resnets.1", "middle_block.2");
        for (int i = 0; i < levels; i++) {
            boolean attn = upTypes.get(i).getAsString().startsWith("CrossAttn");
            for (int j = 0; j <= layers; j++) {
                int block = (layers + 1) * i + j;
                n.unetResnet("up_blocks." + i + ".resnets." + j, "output_blocks." + block + ".0");
                if (attn) n.pair("up_blocks." + i + ".attentions." + j, "output_blocks." + block + ".1");
            }
            if (i < levels - 1) {
                // the upsampler follows the last resnet (and its attention, when the level has one)
                int last = (layers + 1) * i + layers;
                n.pair("up_blocks." + i + ".upsamplers.0", "output_blocks." + last + "." + (attn ? 2 : 1));
            }
        }
        n.pair("conv_norm_out", "out.0");
        n.pair("conv_out", "out.2");
        return n;
    }

    /**
     * Sub-module renames inside one module; "" stands for the module itself. Resnets list every
     * layer rather than the module, so a resnet key no rule knows is reported, not passed through.
     */
    private static final String[][] UNET_RESNET = {{"norm1", "in_layers.0"}, {"conv1", "in_layers.2"},
        {"time_emb_proj", "emb_layers.1"}, {"norm2", "out_layers.0"}, {"conv2", "out_layers.3"},
        {"conv_shortcut", "skip_connection"}};
    private static final String[][] VAE_RESNET = {{"norm1", "norm1"}, {"conv1", "conv1"}, {"norm2", "norm2"},
        {"conv2", "conv2"}, {"conv_shortcut", "nin_shortcut"}};
    private static final String[][] VAE_ATTENTION = {{"group_norm", "norm"}, {"to_q", "q"}, {"to_k", "k"}, {"to_v", "v"},
        {"to_out.0", "proj_out"}};

    private void pairs(String diffusers, String ldm, String[][] inner) {
        for (String[] p : inner) {
            pair(p[0].isEmpty() ? diffusers : diffusers + "." + p[0], p[1].isEmpty() ? ldm : ldm + "." + p[1]);
        }
    }

    private void unetResnet(String diffusers, String ldm) {
        pairs(diffusers, ldm, UNET_RESNET);
    }

    /** AutoencoderKL ↔ ldm.models.autoencoder.AutoencoderKL. */
    static CompVisNames vae(JsonObject cfg) {
        int layers = cfg.get("layers_per_block").getAsInt();
        int levels = cfg.getAsJsonArray("block_out_channels").size();
        Set<String> linear = new HashSet<>();
        for (String part : new String[] {"encoder", "decoder"}) {
            for (String p : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) {
                linear.add(part + ".mid_block.attentions.0." + p + ".weight");
            }
        }
        CompVisNames n = new CompVisNames(Set.copyOf(linear));
        for (String part : new String[] {"encoder", "decoder"}) {
            n.pair(part + ".conv_in", part + ".conv_in");
            n.pair(part + ".conv_out", part + ".conv_out");
            n.pair(part + ".conv_norm_out", part + ".norm_out");
            n.vaeResnet(part + ".mid_block.resnets.0", part + ".mid.block_1");
            n.vaeResnet(part + ".mid_block.resnets.1", part + ".mid.block_2");
            n.pairs(part + ".mid_block.attentions.0", part + ".mid.attn_1", VAE_ATTENTION);
        }
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < layers; j++) {
                n.vaeResnet("encoder.down_blocks." + i + ".resnets." + j, "encoder.down." + i + ".block." + j);
            }
            if (i < levels - 1) n.pair("encoder.down_blocks." + i + ".downsamplers.0", "encoder.down." + i + ".downsample");
            // LDM numbers decoder levels from the lowest resolution up, diffusers in execution order
            int ldmLevel = levels - 1 - i;
            for (int j = 0; j <= layers; j++) {
                n.vaeResnet("decoder.up_blocks." + i + ".resnets." + j, "decoder.up." + ldmLevel + ".block." + j);
            }
            if (i < levels - 1) n.pair("decoder.up_blocks." + i + ".upsamplers.0", "decoder.up." + ldmLevel + ".upsample");
        }
        n.pair("quant_conv", "quant_conv");
        n.pair("post_quant_conv", "post_quant_conv");
        return n;
    }

    private void vaeResnet(String diffusers, String ldm) {
        pairs(diffusers, ldm, VAE_RESNET);
    }
}
