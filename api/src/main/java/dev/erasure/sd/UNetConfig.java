package dev.erasure.sd;

import com.google.gson.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * The options of a diffusers {@code UNet2DConditionModel} config.json that the SD-1.x/2.x UNet
 * uses, resolved per block the way diffusers 0.25.1 resolves them. Options this port does not
 * implement (other block types, class/addition embeddings, scale-shift time conditioning, ...)
 * are rejected by name rather than silently ignored, since ignoring them would give wrong numbers.
 */
public final class UNetConfig {
    static final Set<String> DOWN_TYPES = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    static final Set<String> UP_TYPES = Set.of("CrossAttnUpBlock2D", "UpBlock2D");

    public final int sampleSize;
    public final int inChannels;
    public final int outChannels;
    public final boolean centerInputSample;
    public final boolean flipSinToCos;
    public final int freqShift;
    public final List<String> downBlockTypes;
    public final List<String> upBlockTypes;
    /** "UNetMidBlock2DCrossAttn" or null (no mid block). */
    public final String midBlockType;
    public final int[] blockOutChannels;
    public final int[] layersPerBlock;
    public final int[] transformerLayersPerBlock;
    /** Heads per down block: num_attention_heads if given, else attention_head_dim (SD-1 naming quirk). */
    public final int[] numAttentionHeads;
    public final int[] crossAttentionDim;
    public final boolean[] onlyCrossAttention;
    public final int downsamplePadding;
    public final double midBlockScaleFactor;
    public final String actFn;
    public final int normNumGroups;
    public final double normEps;
    public final boolean useLinearProjection;
    public final boolean upcastAttention;
    public final int convInKernel;
    public final int convOutKernel;
    public final int timeEmbeddingDim;
    /** Activation after the time embedding MLP (time_embedding_act_fn), or null. */
    public final String timeEmbeddingActFn;
    /** Activation at the end of TimestepEmbedding (timestep_post_act), or null. */
    public final String timestepPostAct;
    /** addition_embed_type: null, or "text_time" (SDXL: pooled text + add_time_ids into add_embedding). */
    public final String additionEmbedType;
    /** addition_time_embed_dim: the sinusoid width of each add_time_id (SDXL 256). */
    public final int additionTimeEmbedDim;
    /** projection_class_embeddings_input_dim: add_embedding's input width (pooled + 6·additionTimeEmbedDim). */
    public final int projectionClassEmbeddingsInputDim;

    private UNetConfig(ConfigJson c) {
        sampleSize = c.integer("sample_size", 64);
        inChannels = c.integer("in_channels", 4);
        outChannels = c.integer("out_channels", 4);
        centerInputSample = c.bool("center_input_sample", false);
        flipSinToCos = c.bool("flip_sin_to_cos", true);
        freqShift = c.integer("freq_shift", 0);
        downBlockTypes = c.strings("down_block_types",
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        upBlockTypes = c.strings("up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        // diffusers' default when the key is absent (SD-1.4's config predates it); an explicit null means none
        midBlockType = c.isExplicitNull("mid_block_type") ? null : c.string("mid_block_type", "UNetMidBlock2DCrossAttn");
        blockOutChannels = c.ints("block_out_channels", new int[] {320, 640, 1280, 1280});
        int n = blockOutChannels.length;
        if (downBlockTypes.size() != n || upBlockTypes.size() != n) {
            throw new IllegalArgumentException("unet config: block_out_channels has " + n + " entries but "
                    + downBlockTypes.size() + " down_block_types and " + upBlockTypes.size() + " up_block_types");
        }
        for (String t : downBlockTypes) if (!DOWN_TYPES.contains(t)) throw c.unsupported("down_block_types", t);
        for (String t : upBlockTypes) if (!UP_TYPES.contains(t)) throw c.unsupported("up_block_types", t);
        if (midBlockType != null && !midBlockType.equals("UNetMidBlock2DCrossAttn")) {
            throw c.unsupported("mid_block_type", midBlockType);
        }
        layersPerBlock = c.perBlock("layers_per_block", n, 2);
        transformerLayersPerBlock = c.perBlock("transformer_layers_per_block", n, 1);
        int[] headDim = c.perBlock("attention_head_dim", n, 8);
        numAttentionHeads = c.isSet("num_attention_heads") ? c.perBlock("num_attention_heads", n, 8) : headDim;
        crossAttentionDim = c.perBlock("cross_attention_dim", n, 1280);
        onlyCrossAttention = c.perBlockBool("only_cross_attention", n, false);
        downsamplePadding = c.integer("downsample_padding", 1);
        midBlockScaleFactor = c.number("mid_block_scale_factor", 1.0);
        actFn = c.string("act_fn", "silu");
        normNumGroups = c.integer("norm_num_groups", 32);
        normEps = c.number("norm_eps", 1e-5);
        useLinearProjection = c.bool("use_linear_projection", false);
        upcastAttention = c.bool("upcast_attention", false);
        convInKernel = c.integer("conv_in_kernel", 3);
        convOutKernel = c.integer("conv_out_kernel", 3);
        timeEmbeddingDim = c.integer("time_embedding_dim", blockOutChannels[0] * 4);
        timeEmbeddingActFn = c.string("time_embedding_act_fn", null);
        timestepPostAct = c.string("timestep_post_act", null);
        additionEmbedType = c.string("addition_embed_type", null);
        if (additionEmbedType != null && !additionEmbedType.equals("text_time")) {
            throw c.unsupported("addition_embed_type", additionEmbedType);
        }
        additionTimeEmbedDim = c.integer("addition_time_embed_dim", 256);
        projectionClassEmbeddingsInputDim = c.integer("projection_class_embeddings_input_dim", 0);
        if (additionEmbedType != null && projectionClassEmbeddingsInputDim <= 0) {
            throw new IllegalArgumentException("unet config: addition_embed_type text_time needs projection_class_embeddings_input_dim");
        }
        rejectUnsupported(c);
    }

    private static void rejectUnsupported(ConfigJson c) {
        String shift = c.string("resnet_time_scale_shift", "default");
        if (!shift.equals("default")) throw c.unsupported("resnet_time_scale_shift", shift);
        String timeType = c.string("time_embedding_type", "positional");
        if (!timeType.equals("positional")) throw c.unsupported("time_embedding_type", timeType);
        String attnType = c.string("attention_type", "default");
        if (!attnType.equals("default")) throw c.unsupported("attention_type", attnType);
        if (c.bool("dual_cross_attention", false)) throw c.unsupported("dual_cross_attention", true);
        if (c.bool("resnet_skip_time_act", false)) throw c.unsupported("resnet_skip_time_act", true);
        if (c.bool("class_embeddings_concat", false)) throw c.unsupported("class_embeddings_concat", true);
        if (c.number("resnet_out_scale_factor", 1.0) != 1.0) {
            throw c.unsupported("resnet_out_scale_factor", c.number("resnet_out_scale_factor", 1.0));
        }
        for (String key : List.of("class_embed_type", "num_class_embeds",
                "encoder_hid_dim", "encoder_hid_dim_type", "time_cond_proj_dim", "cross_attention_norm",
                "reverse_transformer_layers_per_block")) {
            c.requireUnset(key);
        }
    }

    public static UNetConfig fromJson(JsonObject json) {
        return new UNetConfig(new ConfigJson(json, "unet config"));
    }

    /** SDXL's "text_time" conditioning: the UNet needs pooled text embeddings and add_time_ids. */
    public boolean hasTextTime() {
        return "text_time".equals(additionEmbedType);
    }

    /** How many add_time_ids each sample carries: (input − pooled width) / sinusoid width; 6 for SDXL base. */
    public int numTimeIds(int pooledWidth) {
        return (projectionClassEmbeddingsInputDim - pooledWidth) / additionTimeEmbedDim;
    }

    public int numBlocks() {
        return blockOutChannels.length;
    }

    /** How many times the down path halves the resolution (every block but the last downsamples). */
    public int numDownsamplers() {
        return blockOutChannels.length - 1;
    }
}
