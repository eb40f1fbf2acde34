package dev.erasure.sd.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An original CompVis/LDM inference yaml ({@code v1-inference.yaml} and friends), turned into the
 * diffusers {@code config.json} objects that {@code UNetConfig/VaeConfig/DdimScheduler.fromJson} read.
 * The conversion follows diffusers' {@code convert_from_ckpt.create_*_diffusers_config}; SD-2 yamls
 * ({@code num_head_channels}, {@code use_linear_in_transformer}, {@code parameterization: v}) are
 * understood too. The text encoder config is not here: an LDM yaml does not describe it, so
 * {@link SingleFileCheckpoint} infers it from tensor shapes.
 */
public final class LdmConfig {
    /** Bundled copy of the standard SD-1.x {@code v1-inference.yaml}. */
    public static final String BUNDLED_V1 = "v1-inference.yaml";

    private final String source;
    private final Map<String, Object> model;
    private final Map<String, Object> unet;
    private final Map<String, Object> ddconfig;

    private LdmConfig(String source, Map<String, Object> root) {
        this.source = source;
        this.model = map(root, "model.params", "model", "params");
        this.unet = map(model, "unet_config.params", "unet_config", "params");
        Map<String, Object> firstStage = map(model, "first_stage_config.params", "first_stage_config", "params");
        this.ddconfig = map(firstStage, "first_stage_config.params.ddconfig", "ddconfig");
    }

    /** Parses a yaml file; any syntax or structure problem names the file. */
    public static LdmConfig read(Path yaml) {
        try {
            return parse(yaml.toString(), Files.readString(yaml, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new WeightException("cannot read LDM config " + yaml + ": " + e.getMessage(), e);
        }
    }

    /** The bundled SD-1.x config, for a single-file SD-1.4/1.5 checkpoint with no yaml beside it. */
    public static LdmConfig bundledV1() {
        try (InputStream in = LdmConfig.class.getResourceAsStream(BUNDLED_V1)) {
            if (in == null) throw new IllegalStateException("resource " + BUNDLED_V1 + " missing from the jar");
            return parse("bundled " + BUNDLED_V1, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled " + BUNDLED_V1, e);
        }
    }

    static LdmConfig parse(String source, String text) {
        Object root;
        // SafeConstructor: a yaml that came with a downloaded checkpoint must not instantiate classes.
        try (Reader r = new StringReader(text)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (YAMLException | IOException e) {
            throw new WeightException("LDM config " + source + " is not valid yaml: " + e.getMessage(), e);
        }
        if (!(root instanceof Map)) throw new WeightException("LDM config " + source + " is not a yaml mapping");
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) root;
        return new LdmConfig(source, m);
    }

    public String source() {
        return source;
    }

    /**
     * Whether the OpenCLIP text tower (SD-2.x's FrozenOpenCLIPEmbedder) stops at its penultimate
     * layer: {@code layer: "penultimate"}, the SD-2 default; "last" keeps every layer.
     */
    public boolean openClipPenultimate() {
        Object cond = model.get("cond_stage_config");
        if (cond instanceof Map<?, ?> c && c.get("params") instanceof Map<?, ?> params && params.get("layer") != null) {
            return !"last".equals(params.get("layer").toString());
        }
        return true;
    }

    /** "v" for v-prediction models (SD-2.x 768-v), otherwise "eps". */
    public String parameterization() {
        Object p = model.get("parameterization");
        return p == null ? "eps" : p.toString();
    }

    /** diffusers UNet2DConditionModel config, as convert_from_ckpt builds it. */
    public JsonObject unetConfig() {
        List<Integer> mult = ints(unet, "channel_mult");
        int mc = integer(unet, "model_channels");
        List<Integer> attnRes = ints(unet, "attention_resolutions");
        JsonArray channels = new JsonArray();
        JsonArray down = new JsonArray();
        JsonArray up = new JsonArray();
        int resolution = 1;
        for (int i = 0; i < mult.size(); i++) {
            channels.add(mc * mult.get(i));
            // attention_resolutions lists downsampling factors (1, 2, 4...) of the levels that have attention
            boolean attn = attnRes.contains(resolution);
            down.add(attn ? "CrossAttnDownBlock2D" : "DownBlock2D");
            resolution *= 2;
        }
        for (int i = down.size() - 1; i >= 0; i--) {
            up.add(down.get(i).getAsString().startsWith("CrossAttn") ? "CrossAttnUpBlock2D" : "UpBlock2D");
        }
        JsonObject c = new JsonObject();
        c.addProperty("_class_name", "UNet2DConditionModel");
        c.addProperty("sample_size", integer(model, "image_size"));
        c.addProperty("in_channels", integer(unet, "in_channels"));
        c.addProperty("out_channels", integer(unet, "out_channels"));
        c.add("down_block_types", down);
        c.add("up_block_types", up);
        c.addProperty("mid_block_type", "UNetMidBlock2DCrossAttn");
        c.add("block_out_channels", channels);
        c.addProperty("layers_per_block", integer(unet, "num_res_blocks"));
        c.addProperty("cross_attention_dim", integer(unet, "context_dim"));
        c.add("attention_head_dim", attentionHeadDim(mc, mult));
        c.addProperty("transformer_layers_per_block", optInt(unet, "transformer_depth", 1));
        c.addProperty("use_linear_projection", optBool(unet, "use_linear_in_transformer", false));
        c.addProperty("upcast_attention", false);
        c.addProperty("flip_sin_to_cos", true);
        c.addProperty("freq_shift", 0);
        c.addProperty("downsample_padding", 1);
        c.addProperty("mid_block_scale_factor", 1);
        c.addProperty("act_fn", "silu");
        c.addProperty("norm_num_groups", 32);
        c.addProperty("norm_eps", 1e-5);
        c.addProperty("center_input_sample", false);
        c.add("num_attention_heads", JsonNull.INSTANCE);
        return c;
    }

    /**
     * SD-1 yamls give {@code num_heads: 8}, which diffusers stores (misnamed) as attention_head_dim 8.
     * SD-2 yamls give {@code num_head_channels: 64} instead; diffusers then stores per-level head
     * counts model_channels/64·mult (e.g. [5,10,20,20]).
     */
    private JsonElement attentionHeadDim(int mc, List<Integer> mult) {
        int heads = optInt(unet, "num_heads", -1);
        if (heads > 0) return new JsonPrimitive(heads);
        int headChannels = optInt(unet, "num_head_channels", -1);
        if (headChannels <= 0) {
            throw new WeightException("LDM config " + source + ": unet_config.params has neither num_heads nor num_head_channels");
        }
        JsonArray a = new JsonArray();
        for (int m : mult) a.add(mc / headChannels * m);
        return a;
    }

    /** diffusers AutoencoderKL config. */
    public JsonObject vaeConfig() {
        List<Integer> mult = ints(ddconfig, "ch_mult");
        int ch = integer(ddconfig, "ch");
        JsonArray channels = new JsonArray();
        JsonArray down = new JsonArray();
        JsonArray up = new JsonArray();
        for (int m : mult) {
            channels.add(ch * m);
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        JsonObject c = new JsonObject();
        c.addProperty("_class_name", "AutoencoderKL");
        // pixel size = latent size × 2^(levels−1), as diffusers' converter sets it (512 for SD-1)
        c.addProperty("sample_size", integer(model, "image_size") << (mult.size() - 1));
        c.addProperty("in_channels", integer(ddconfig, "in_channels"));
        c.addProperty("out_channels", integer(ddconfig, "out_ch"));
        c.add("down_block_types", down);
        c.add("up_block_types", up);
        c.add("block_out_channels", channels);
        c.addProperty("latent_channels", integer(ddconfig, "z_channels"));
        c.addProperty("layers_per_block", integer(ddconfig, "num_res_blocks"));
        c.addProperty("norm_num_groups", 32);
        c.addProperty("act_fn", "silu");
        c.addProperty("scaling_factor", optDouble(model, "scale_factor", 0.18215));
        return c;
    }

    /** DDIMScheduler with the SD defaults; the LDM "linear" schedule is diffusers' scaled_linear. */
    public JsonObject schedulerConfig() {
        JsonObject c = new JsonObject();
        c.addProperty("_class_name", "DDIMScheduler");
        c.addProperty("num_train_timesteps", optInt(model, "timesteps", 1000));
        c.addProperty("beta_start", optDouble(model, "linear_start", 0.00085));
        c.addProperty("beta_end", optDouble(model, "linear_end", 0.012));
        c.addProperty("beta_schedule", "scaled_linear");
        c.addProperty("steps_offset", 1);
        c.addProperty("set_alpha_to_one", false);
        c.addProperty("clip_sample", false);
        c.addProperty("prediction_type", "v".equals(parameterization()) ? "v_prediction" : "epsilon");
        c.addProperty("timestep_spacing", "leading");
        return c;
    }

    // ---- typed access with errors that name the yaml and the key ----

    private Map<String, Object> map(Map<String, Object> m, String path, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map)) break;
            cur = ((Map<?, ?>) cur).get(k);
        }
        if (!(cur instanceof Map)) throw new WeightException("LDM config " + source + " has no mapping '" + path + "'");
        @SuppressWarnings("unchecked") Map<String, Object> out = (Map<String, Object>) cur;
        return out;
    }

    private int integer(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) throw new WeightException("LDM config " + source + ": '" + key + "' missing or not a number: " + v);
        return ((Number) v).intValue();
    }

    private int optInt(Map<String, Object> m, String key, int dflt) {
        Object v = m.get(key);
        if (v instanceof List && !((List<?>) v).isEmpty()) v = ((List<?>) v).get(0); // transformer_depth may be per level
        return v instanceof Number ? ((Number) v).intValue() : dflt;
    }

    private double optDouble(Map<String, Object> m, String key, double dflt) {
        Object v = m.get(key);
        return v instanceof Number ? ((Number) v).doubleValue() : dflt;
    }

    private static boolean optBool(Map<String, Object> m, String key, boolean dflt) {
        Object v = m.get(key);
        return v instanceof Boolean ? (Boolean) v : dflt;
    }

    private List<Integer> ints(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List)) throw new WeightException("LDM config " + source + ": '" + key + "' missing or not a list: " + v);
        List<?> l = (List<?>) v;
        List<Integer> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Number)) throw new WeightException("LDM config " + source + ": '" + key + "' has a non-number " + o);
            out.add(((Number) o).intValue());
        }
        return out;
    }
}
