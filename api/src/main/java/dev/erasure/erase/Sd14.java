package dev.erasure.erase;

/** The UNet config.json of CompVis/stable-diffusion-v1-4 (diffusers), for planning without the weights. */
public final class Sd14 {
    private Sd14() {
    }

    public static final String UNET_CONFIG = "{\"_class_name\":\"UNet2DConditionModel\",\"act_fn\":\"silu\","
            + "\"attention_head_dim\":8,\"block_out_channels\":[320,640,1280,1280],\"center_input_sample\":false,"
            + "\"cross_attention_dim\":768,\"down_block_types\":[\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\","
            + "\"CrossAttnDownBlock2D\",\"DownBlock2D\"],\"downsample_padding\":1,\"flip_sin_to_cos\":true,\"freq_shift\":0,"
            + "\"in_channels\":4,\"layers_per_block\":2,\"mid_block_scale_factor\":1,\"norm_eps\":1e-05,\"norm_num_groups\":32,"
            + "\"out_channels\":4,\"sample_size\":64,\"up_block_types\":[\"UpBlock2D\",\"CrossAttnUpBlock2D\","
            + "\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\"]}";
}
