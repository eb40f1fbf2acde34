package dev.erasure.erase;

/**
 * The UNet config.json of stabilityai/stable-diffusion-xl-base-1.0 (diffusers), for planning without
 * the weights: {@code attention_head_dim} [5,10,20] is diffusers' per-level head COUNT, and
 * {@code transformer_layers_per_block} [1,2,10] the transformer depth per level.
 */
public final class SdxlBase {
    private SdxlBase() {
    }

    public static final String UNET_CONFIG = "{\"_class_name\":\"UNet2DConditionModel\",\"act_fn\":\"silu\","
            + "\"addition_embed_type\":\"text_time\",\"addition_embed_type_num_heads\":64,\"addition_time_embed_dim\":256,"
            + "\"attention_head_dim\":[5,10,20],\"block_out_channels\":[320,640,1280],\"center_input_sample\":false,"
            + "\"conv_in_kernel\":3,\"conv_out_kernel\":3,\"cross_attention_dim\":2048,"
            + "\"down_block_types\":[\"DownBlock2D\",\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\"],"
            + "\"downsample_padding\":1,\"flip_sin_to_cos\":true,\"freq_shift\":0,\"in_channels\":4,\"layers_per_block\":2,"
            + "\"mid_block_scale_factor\":1,\"mid_block_type\":\"UNetMidBlock2DCrossAttn\",\"norm_eps\":1e-05,"
            + "\"norm_num_groups\":32,\"out_channels\":4,\"projection_class_embeddings_input_dim\":2816,\"sample_size\":128,"
            + "\"transformer_layers_per_block\":[1,2,10],"
            + "\"up_block_types\":[\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\",\"UpBlock2D\"],\"use_linear_projection\":true}";
}
