package dev.erasure.sd;

import com.google.gson.JsonObject;

import java.util.List;

/**
 * The options of a diffusers {@code AutoencoderKL} config.json. Only DownEncoderBlock2D /
 * UpDecoderBlock2D (every SD VAE) are implemented; other block types are rejected by name.
 */
public final class VaeConfig {
    public final int inChannels;
    public final int outChannels;
    public final int latentChannels;
    public final List<String> downBlockTypes;
    public final List<String> upBlockTypes;
    public final int[] blockOutChannels;
    public final int layersPerBlock;
    public final String actFn;
    public final int normNumGroups;
    public final int sampleSize;
    public final double scalingFactor;
    public final boolean forceUpcast;
    public final boolean useQuantConv;
    public final boolean usePostQuantConv;
    public final boolean midBlockAddAttention;

    private VaeConfig(ConfigJson c) {
        inChannels = c.integer("in_channels", 3);
        outChannels = c.integer("out_channels", 3);
        latentChannels = c.integer("latent_channels", 4);
        blockOutChannels = c.ints("block_out_channels", new int[] {64});
        int n = blockOutChannels.length;
        downBlockTypes = c.strings("down_block_types", List.of("DownEncoderBlock2D"));
        upBlockTypes = c.strings("up_block_types", List.of("UpDecoderBlock2D"));
        if (downBlockTypes.size() != n || upBlockTypes.size() != n) {
            throw new IllegalArgumentException("vae config: block_out_channels has " + n + " entries but "
                    + downBlockTypes.size() + " down_block_types and " + upBlockTypes.size() + " up_block_types");
        }
        for (String t : downBlockTypes) if (!t.equals("DownEncoderBlock2D")) throw c.unsupported("down_block_types", t);
        for (String t : upBlockTypes) if (!t.equals("UpDecoderBlock2D")) throw c.unsupported("up_block_types", t);
        layersPerBlock = c.integer("layers_per_block", 1);
        actFn = c.string("act_fn", "silu");
        normNumGroups = c.integer("norm_num_groups", 32);
        sampleSize = c.integer("sample_size", 32);
        scalingFactor = c.number("scaling_factor", 0.18215);
        forceUpcast = c.bool("force_upcast", true);
        useQuantConv = c.bool("use_quant_conv", true);
        usePostQuantConv = c.bool("use_post_quant_conv", true);
        midBlockAddAttention = c.bool("mid_block_add_attention", true);
        String norm = c.string("norm_type", "group");
        if (!norm.equals("group")) throw c.unsupported("norm_type", norm);
        if (c.number("shift_factor", 0) != 0) throw c.unsupported("shift_factor", c.number("shift_factor", 0));
    }

    public static VaeConfig fromJson(JsonObject json) {
        return new VaeConfig(new ConfigJson(json, "vae config"));
    }
}
