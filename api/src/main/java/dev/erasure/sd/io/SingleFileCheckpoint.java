package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A single-file SD-1.x checkpoint in the original CompVis/LDM naming (the layout of
 * {@code v1-5-pruned-emaonly.safetensors}), converted on load to the diffusers/transformers key sets
 * and configs the model classes take: {@code new UNet2DConditionModel(UNetConfig.fromJson(c.unetConfig()),
 * new Weights(c.unet()))}, likewise for the VAE ({@code vae}) and CLIP ({@code text}, keys
 * {@code text_model.*}). {@link #toSingleFile}/{@link #save} do the reverse.
 *
 * <p>Configs come from the LDM inference yaml, looked up in this order: {@link Options#yaml()};
 * {@code <name>.yaml} beside the checkpoint (the A1111 convention); the only {@code *.yaml} in the
 * checkpoint's folder; otherwise the bundled SD-1 {@code v1-inference.yaml}. Whichever is used is
 * checked against the tensor shapes, so a wrong yaml is an error, never a silently broken model.
 * Keys the model does not use ({@code model_ema.*}, DDPM buffers such as {@code alphas_cumprod},
 * {@code position_ids}) are ignored. Pickle checkpoints are refused with conversion advice.
 */
public final class SingleFileCheckpoint {
    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";
    public static final String TEXT_PREFIX = "cond_stage_model.transformer.";
    /** SD-2.x: the OpenCLIP text tower (FrozenOpenCLIPEmbedder). */
    public static final String OPENCLIP_PREFIX = "cond_stage_model.model.";

    private SingleFileCheckpoint() {
    }

    /** The three models in diffusers naming plus their diffusers/transformers configs. */
    public record Components(JsonObject unetConfig, Map<String, NDArray> unet, JsonObject vaeConfig,
                             Map<String, NDArray> vae, JsonObject textConfig, Map<String, NDArray> text,
                             JsonObject schedulerConfig) {
        /** An SD-2.x file: OpenCLIP text tower (exact GELU; its tokenizer pads with "!"). */
        public boolean openClipText() {
            return textConfig.has("hidden_act") && "gelu".equals(textConfig.get("hidden_act").getAsString());
        }
    }

    /**
     * @param yaml       LDM config to use, or null for the lookup described on the class
     * @param textHeads  CLIP attention heads, or null to infer hidden/64 (right for every OpenAI CLIP;
     *                   a single file does not record heads, so other widths need this)
     * @param floatType  convert floating tensors to this type (e.g. FLOAT32 for an fp16 file), or null to keep
     */
    public record Options(Path yaml, Integer textHeads, DataType floatType) {
        public static Options defaults() {
            return new Options(null, null, null);
        }
    }

    public static Components load(Path file, NDManager manager) {
        return load(file, manager, Options.defaults());
    }

    public static Components load(Path file, NDManager manager, Options options) {
        refusePickle(file);
        Safetensors.Header header = Safetensors.header(file);
        refuseOtherArchitectures(file, header);
        LdmConfig ldm = findConfig(file, options);
        JsonObject unetConfig = ldm.unetConfig();
        JsonObject vaeConfig = ldm.vaeConfig();
        Map<String, NDArray> all = Safetensors.load(file, manager, k -> k.startsWith(UNET_PREFIX)
                || k.startsWith(VAE_PREFIX) || k.startsWith(TEXT_PREFIX) || k.startsWith(OPENCLIP_PREFIX), options.floatType());
        Map<String, NDArray> unet = rename(file, all, UNET_PREFIX, CompVisNames.unet(unetConfig));
        Map<String, NDArray> vae = rename(file, all, VAE_PREFIX, CompVisNames.vae(vaeConfig));
        boolean openClip = all.keySet().stream().anyMatch(k -> k.startsWith(OPENCLIP_PREFIX));
        Map<String, NDArray> text = openClip ? OpenClipText.toTransformers(file, all, OPENCLIP_PREFIX,
                ldm.openClipPenultimate()) : textWeights(all);
        String where = file + " (config " + ldm.source() + ")";
        ShapeCheck.unet(where, unetConfig, unet);
        ShapeCheck.vae(where, vaeConfig, vae);
        JsonObject textConfig = ShapeCheck.textConfig(where, text, options.textHeads());
        if (openClip) textConfig.addProperty("hidden_act", "gelu"); // OpenCLIP's MLP uses exact GELU
        return new Components(unetConfig, unet, vaeConfig, vae, textConfig, text, ldm.schedulerConfig());
    }

    /** All tensors of {@code c} under their CompVis/LDM names, ready for {@link Safetensors#save}. */
    public static Map<String, NDArray> toSingleFile(Components c) {
        if (c.openClipText()) {
            // the file's unused last resblock, text_projection and logit_scale are not kept on load
            throw new WeightException("saving an SD-2.x (OpenCLIP) model as a single file is not supported; "
                    + "save it as a diffusers folder");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        unrename(out, c.unet(), UNET_PREFIX, CompVisNames.unet(c.unetConfig()));
        unrename(out, c.vae(), VAE_PREFIX, CompVisNames.vae(c.vaeConfig()));
        for (Map.Entry<String, NDArray> e : c.text().entrySet()) out.put(TEXT_PREFIX + e.getKey(), e.getValue());
        return out;
    }

    /** Writes {@code c} as one CompVis-named safetensors file (atomically, see {@link Safetensors#save}). */
    public static void save(Path file, Components c) {
        Safetensors.save(file, toSingleFile(c), null);
    }

    private static Map<String, NDArray> rename(Path file, Map<String, NDArray> all, String prefix, CompVisNames names) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : all.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            String key = names.toDiffusers(e.getKey().substring(prefix.length()));
            if (key == null) {
                unknown.add(e.getKey());
                continue;
            }
            NDArray a = e.getValue();
            if (names.isLinearStoredAsConv(key) && a.getShape().dimension() == 4) {
                a = a.reshape(a.getShape().get(0), a.getShape().get(1));
                a.setName(key);
            }
            out.put(key, a);
        }
        if (!unknown.isEmpty()) {
            // refusing beats dropping weights silently: an unknown key means a variant these rules do not cover
            throw new WeightException(file + " has " + unknown.size() + " keys no SD-1/2 rule maps, e.g. "
                    + unknown.subList(0, Math.min(5, unknown.size())));
        }
        return out;
    }

    private static void unrename(Map<String, NDArray> out, Map<String, NDArray> weights, String prefix, CompVisNames names) {
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            String key = names.toLdm(e.getKey());
            if (key == null) throw new WeightException("no CompVis name for diffusers key '" + e.getKey() + "'");
            NDArray a = e.getValue();
            if (names.isLinearStoredAsConv(e.getKey()) && a.getShape().dimension() == 2) {
                a = a.reshape(a.getShape().get(0), a.getShape().get(1), 1, 1);
            }
            out.put(prefix + key, a);
        }
    }

    private static Map<String, NDArray> textWeights(Map<String, NDArray> all) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : all.entrySet()) {
            if (!e.getKey().startsWith(TEXT_PREFIX)) continue;
            String key = e.getKey().substring(TEXT_PREFIX.length());
            // some older checkpoints lack the text_model. level; diffusers' converter accepts both
            if (!key.startsWith("text_model.")) key = "text_model." + key;
            if (key.endsWith("position_ids")) continue; // a buffer (arange), not a weight
            out.put(key, e.getValue());
        }
        return out;
    }

    static LdmConfig findConfig(Path file, Options options) {
        if (options.yaml() != null) return LdmConfig.read(options.yaml());
        Path dir = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        Path sibling = dir.resolve(name.substring(0, name.lastIndexOf('.')) + ".yaml");
        if (Files.isRegularFile(sibling)) return LdmConfig.read(sibling);
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> yamls = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".yaml"))
                    .collect(Collectors.toList());
            if (yamls.size() == 1) return LdmConfig.read(yamls.get(0));
        } catch (IOException e) {
            throw new WeightException("cannot list " + dir + " to look for the LDM yaml: " + e.getMessage(), e);
        }
        return LdmConfig.bundledV1();
    }

    /** Refuses PyTorch pickle checkpoints: unpickling runs arbitrary code, and DJL cannot read them anyway. */
    static void refusePickle(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin")) {
            throw new WeightException(file + " is a PyTorch pickle checkpoint, which is not loaded (unpickling can run "
                    + "arbitrary code). Convert it to safetensors first, e.g.\n" + PICKLE_ADVICE);
        }
    }

    static final String PICKLE_ADVICE = "  python -c \"import torch; from safetensors.torch import save_file; "
            + "sd = torch.load('model.ckpt', map_location='cpu', weights_only=True); sd = sd.get('state_dict', sd); "
            + "save_file({k: v.contiguous().clone() for k, v in sd.items() if torch.is_tensor(v)}, 'model.safetensors')\"\n"
            + "or to a diffusers folder with diffusers' scripts/convert_original_stable_diffusion_to_diffusers.py "
            + "--checkpoint_path model.ckpt --dump_path model-folder";

    private static void refuseOtherArchitectures(Path file, Safetensors.Header h) {
        Map<String, Safetensors.Entry> keys = h.byName();
        if (keys.keySet().stream().anyMatch(k -> k.startsWith("conditioner.embedders."))) {
            throw new WeightException(file + " is an SDXL (SGM) single-file checkpoint, which is not converted; "
                    + "convert it to a diffusers folder and load that: python -c \"from diffusers import "
                    + "StableDiffusionXLPipeline; StableDiffusionXLPipeline.from_single_file('" + file.getFileName()
                    + "').save_pretrained('sdxl-folder')\"");
        }
        boolean openClip = keys.keySet().stream().anyMatch(k -> k.startsWith(OPENCLIP_PREFIX));
        for (String p : new String[] {UNET_PREFIX, VAE_PREFIX, openClip ? OPENCLIP_PREFIX : TEXT_PREFIX}) {
            if (keys.keySet().stream().noneMatch(k -> k.startsWith(p))) {
                throw new WeightException(file + " is not a Stable Diffusion single-file checkpoint: no key starts with '"
                        + p + "' (a diffusers component file? then load its folder)");
            }
        }
    }
}
