package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.sd.io.ModelFolder;
import dev.erasure.sd.io.SingleFileCheckpoint;

import java.nio.file.Path;
import java.util.Map;
import dev.erasure.sd.io.WeightException;

/**
 * Builds a {@link StableDiffusion} from a diffusers folder (model_index.json, per-component
 * configs and safetensors) or from a single CompVis-named {@code .safetensors} file. Weights are
 * memory-mapped on CPU; every failure closes what was loaded and names the file and key.
 */
final class PipelineLoader {
    private PipelineLoader() {
    }

    static StableDiffusion load(Path path, LoadOptions options) {
        Djl.engine();
        ModelFolder model = ModelFolder.open(path);
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            StableDiffusion sd = model.layout() == ModelFolder.Layout.SINGLE_FILE
                    ? fromSingleFile(path, options, manager)
                    : fromFolder(model, options, manager);
            return sd.validate();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static StableDiffusion fromFolder(ModelFolder model, LoadOptions options, NDManager manager) {
        if (model.has("text_encoder_2")) {
            throw new WeightException(model.path() + " is an SDXL folder (text_encoder_2/): load it with "
                    + "StableDiffusionXL.load(path, options)");
        }
        ModelFolder.Component unetPart = model.component("unet");
        UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.fromJson(unetPart.config()),
                weights(unetPart, options, manager));
        AutoencoderKL vae = null;
        if (model.has("vae")) {
            ModelFolder.Component vaePart = model.component("vae");
            vae = new AutoencoderKL(VaeConfig.fromJson(vaePart.config()), weights(vaePart, options, manager));
        }
        ModelFolder.Component textPart = model.component("text_encoder");
        ClipTextModel text = new ClipTextModel(ClipTextConfig.fromJson(textPart.config()),
                weights(textPart, options, manager));
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(model.tokenizerDir());
        DdimScheduler scheduler = DdimScheduler.fromJson(model.schedulerConfig());
        return new StableDiffusion(tokenizer, text, unet, vae, scheduler, manager, model.path().toString());
    }

    private static Weights weights(ModelFolder.Component part, LoadOptions options, NDManager manager) {
        Map<String, NDArray> tensors = ModelFolder.loadWeights(part, manager, options.dtype());
        return new Weights(tensors, part.weightFiles().size() == 1 ? part.weightFiles().get(0).toString()
                : part.folder().toString());
    }

    /**
     * A single file carries no tokenizer: SD-1 and SD-2 use the standard CLIP BPE, which is bundled
     * (SD-2's tokenizer pads with "!").
     */
    private static StableDiffusion fromSingleFile(Path file, LoadOptions options, NDManager manager) {
        SingleFileCheckpoint.Components c = SingleFileCheckpoint.load(file, manager,
                new SingleFileCheckpoint.Options(options.originalConfig(), options.textHeads(), options.dtype()));
        String src = file.toString();
        UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.fromJson(c.unetConfig()),
                new Weights(c.unet(), src + " (unet)"));
        AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(c.vaeConfig()), new Weights(c.vae(), src + " (vae)"));
        ClipTextModel text = new ClipTextModel(ClipTextConfig.fromJson(c.textConfig()),
                new Weights(c.text(), src + " (text encoder)"));
        ClipTokenizer tokenizer = c.openClipText() ? ClipTokenizer.bundledSd2() : ClipTokenizer.bundled();
        return new StableDiffusion(tokenizer, text, unet, vae, DdimScheduler.fromJson(c.schedulerConfig()),
                manager, src);
    }
}
