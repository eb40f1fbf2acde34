package dev.erasure.toy;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The architecture of the ShapeWorld text-to-image model, as diffusers/transformers config.json
 * objects: a pixel-space SD-v1 (no VAE) following the probe's recommendation (shared/docs/shapeworld.md):
 * 16×16 RGB, UNet (32,64,64) with one ResBlock per level and transformer blocks only at 8×8 and 4×4
 * (plus the 4×4 mid block), 2 heads, 8 groups, cross-attention 64; CLIP text encoder 64 wide, 2 layers,
 * 16 positions, the real CLIP vocabulary. DDPM linear β 1e-4..0.02, T=1000, ε-prediction.
 */
public final class ShapeWorldModel {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private ShapeWorldModel() {
    }

    /** The UNet config for images of {@code size} px and the given widths (one per level, the first level without attention). */
    public static JsonObject unetConfig(int size, int[] blockOutChannels, int heads, int groups, int crossDim) {
        int n = blockOutChannels.length;
        JsonObject c = new JsonObject();
        c.addProperty("_class_name", "UNet2DConditionModel");
        c.addProperty("_diffusers_version", "0.25.1");
        c.addProperty("sample_size", size);
        c.addProperty("in_channels", 3);
        c.addProperty("out_channels", 3);
        JsonArray down = new JsonArray();
        JsonArray up = new JsonArray();
        for (int i = 0; i < n; i++) down.add(i == 0 ? "DownBlock2D" : "CrossAttnDownBlock2D");
        for (int i = 0; i < n; i++) up.add(i == n - 1 ? "UpBlock2D" : "CrossAttnUpBlock2D");
        c.add("down_block_types", down);
        c.add("up_block_types", up);
        c.addProperty("mid_block_type", "UNetMidBlock2DCrossAttn");
        JsonArray widths = new JsonArray();
        for (int w : blockOutChannels) widths.add(w);
        c.add("block_out_channels", widths);
        c.addProperty("layers_per_block", 1);
        c.addProperty("attention_head_dim", heads); // SD-1's naming quirk: this is the number of heads
        c.addProperty("cross_attention_dim", crossDim);
        c.addProperty("norm_num_groups", groups);
        c.addProperty("norm_eps", 1e-5);
        c.addProperty("act_fn", "silu");
        c.addProperty("flip_sin_to_cos", true);
        c.addProperty("freq_shift", 0);
        c.addProperty("downsample_padding", 1);
        c.addProperty("use_linear_projection", false);
        return c;
    }

    /** The shipped UNet: 16 px, (32,64,64), 2 heads, 8 groups, cross-attention 64. */
    public static JsonObject unetConfig() {
        return unetConfig(16, new int[] {32, 64, 64}, 2, 8, 64);
    }

    /** A CLIPTextModel config: the real vocabulary, {@code hidden} wide, {@code layers} deep, {@code positions} tokens. */
    public static JsonObject textConfig(int hidden, int layers, int heads, int positions) {
        JsonObject c = new JsonObject();
        c.add("architectures", JsonParser.parseString("[\"CLIPTextModel\"]"));
        c.addProperty("model_type", "clip_text_model");
        c.addProperty("vocab_size", 49408);
        c.addProperty("hidden_size", hidden);
        c.addProperty("intermediate_size", hidden * 4);
        c.addProperty("num_hidden_layers", layers);
        c.addProperty("num_attention_heads", heads);
        c.addProperty("max_position_embeddings", positions);
        c.addProperty("hidden_act", "quick_gelu");
        c.addProperty("layer_norm_eps", 1e-5);
        c.addProperty("projection_dim", hidden);
        c.addProperty("bos_token_id", 0);
        c.addProperty("eos_token_id", 2); // SD-1.x legacy value: the pooler takes argmax(ids), i.e. the EOS
        c.addProperty("pad_token_id", 1);
        c.addProperty("torch_dtype", "float32");
        return c;
    }

    /** The shipped text encoder: 64 wide, 2 layers, 2 heads, 16 positions. */
    public static JsonObject textConfig() {
        return textConfig(64, 2, 2, ShapeWorldDataset.DEFAULT_MAX_TOKENS);
    }

    /**
     * The DDIM scheduler for sampling with the training noise schedule: linear β 1e-4..0.02 over 1000
     * timesteps (DDPM's, suited to pixel space), ε-prediction, x0 clipped to [-1,1] as DDPM does for images.
     */
    public static JsonObject schedulerConfig(int trainTimesteps) {
        JsonObject c = new JsonObject();
        c.addProperty("_class_name", "DDIMScheduler");
        c.addProperty("_diffusers_version", "0.25.1");
        c.addProperty("beta_schedule", "linear");
        c.addProperty("beta_start", 0.0001);
        c.addProperty("beta_end", 0.02);
        c.addProperty("num_train_timesteps", trainTimesteps);
        c.addProperty("prediction_type", "epsilon");
        c.addProperty("clip_sample", true);
        c.addProperty("clip_sample_range", 1.0);
        c.addProperty("set_alpha_to_one", true);
        c.addProperty("steps_offset", 0);
        c.addProperty("timestep_spacing", "leading");
        c.addProperty("thresholding", false);
        return c;
    }

    /**
     * Stable Diffusion 1.x's DDIM scheduler config (scaled-linear β 0.00085..0.012, T = 1000, no x0 clipping,
     * steps_offset 1, set_alpha_to_one false), for a ShapeWorld model whose timesteps mean what SD's mean: EAP's
     * x0-space weight (1−ᾱ)/ᾱ then spans SD's 0.0017..172 on the 20-step grid instead of the linear schedule's 2e-4..9.6e3.
     */
    public static JsonObject scaledLinearSchedulerConfig() {
        JsonObject c = schedulerConfig(1000);
        c.addProperty("beta_schedule", "scaled_linear");
        c.addProperty("beta_start", 0.00085);
        c.addProperty("beta_end", 0.012);
        c.addProperty("clip_sample", false);
        c.addProperty("set_alpha_to_one", false);
        c.addProperty("steps_offset", 1);
        return c;
    }
}
