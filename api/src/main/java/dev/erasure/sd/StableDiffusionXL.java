package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.io.ModelFolder;
import dev.erasure.sd.io.WeightException;
import dev.erasure.sd.nn.MemorySaving;
import dev.erasure.sd.scheduler.BetaSchedule;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.sd.scheduler.LmsDiscreteScheduler;
import dev.erasure.sd.scheduler.Scheduler;
import dev.erasure.sd.scheduler.SchedulerType;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Stable Diffusion XL base pipeline (StableDiffusionXLPipeline) on DJL: two tokenizers and text
 * encoders ({@link SdxlPromptEncoder}), the UNet with its "text_time" added embedding, the VAE
 * (scaling_factor from its config, 0.13025 for SDXL; an fp16 VAE with force_upcast, as SDXL's,
 * decodes in fp32 because it overflows in fp16), and the model's scheduler_config (Euler for SDXL base)
 * or DDIM/Euler on request. Loads a diffusers folder; SGM single files are refused with the
 * conversion command ({@link dev.erasure.sd.io.SingleFileCheckpoint}).
 */
public final class StableDiffusionXL implements Pipeline, AutoCloseable {
    private final SdxlPromptEncoder prompts;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final JsonObject schedulerConfig;
    private final boolean forceZerosForEmptyPrompt;
    private final NDManager manager;
    private final String source;
    private AutoencoderKL upcastVae; // the float32 copy force_upcast decodes with, made on first use

    public StableDiffusionXL(SdxlPromptEncoder prompts, UNet2DConditionModel unet, AutoencoderKL vae,
                             JsonObject schedulerConfig, boolean forceZerosForEmptyPrompt, NDManager manager, String source) {
        this.prompts = prompts;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
        this.manager = manager;
        this.source = source;
    }

    /** Whether {@code path} is a diffusers SDXL folder (a text_encoder_2 beside the UNet). */
    public static boolean isSdxlFolder(Path path) {
        return Files.isDirectory(path) && Files.isDirectory(path.resolve("text_encoder_2"));
    }

    public static StableDiffusionXL load(Path path, LoadOptions options) {
        Djl.engine();
        ModelFolder model = ModelFolder.open(path);
        if (model.layout() != ModelFolder.Layout.DIFFUSERS_FOLDER || !model.has("text_encoder_2")) {
            throw new WeightException(path + " is not a diffusers SDXL folder (no text_encoder_2/)");
        }
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            ModelFolder.Component u = model.component("unet");
            UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.fromJson(u.config()), weights(u, options, manager));
            ModelFolder.Component v = model.component("vae");
            AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(v.config()), weights(v, options, manager));
            SdxlPromptEncoder enc = new SdxlPromptEncoder(
                    ClipTokenizer.fromFolder(path.resolve("tokenizer")), text(model, "text_encoder", options, manager),
                    ClipTokenizer.fromFolder(path.resolve("tokenizer_2")), text(model, "text_encoder_2", options, manager));
            JsonObject index = JsonParser.parseString(Files.readString(path.resolve("model_index.json"))).getAsJsonObject();
            boolean zeros = !index.has("force_zeros_for_empty_prompt") || index.get("force_zeros_for_empty_prompt").getAsBoolean();
            // the pooled width is what add_embedding expects besides SDXL's 6 size/crop ids
            enc.encoder2().weights().get("text_projection.weight", new Shape(
                    unet.config().projectionClassEmbeddingsInputDim - 6L * unet.config().additionTimeEmbedDim,
                    enc.encoder2().config().hiddenSize()));
            return new StableDiffusionXL(enc, unet, vae, model.schedulerConfig(), zeros, manager, path.toString()).validate();
        } catch (IOException e) {
            manager.close();
            throw new WeightException("cannot read " + path.resolve("model_index.json") + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static ClipTextModel text(ModelFolder model, String name, LoadOptions options, NDManager manager) {
        ModelFolder.Component c = model.component(name);
        return new ClipTextModel(ClipTextConfig.fromJson(c.config()), weights(c, options, manager));
    }

    private static Weights weights(ModelFolder.Component part, LoadOptions options, NDManager manager) {
        return new Weights(ModelFolder.loadWeights(part, manager, options.dtype()), part.folder().toString());
    }

    public SdxlPromptEncoder prompts() {
        return prompts;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * The same pipeline, its UNet run with gradient checkpointing and/or attention slicing (diffusers'
     * {@code enable_gradient_checkpointing}, {@code enable_attention_slicing}); an erasure of it trains with them.
     */
    public StableDiffusionXL withMemorySaving(MemorySaving s) {
        return withUnet(unet.withMemorySaving(s));
    }

    /** The same pipeline with another UNet (e.g. an erased one). */
    public StableDiffusionXL withUnet(UNet2DConditionModel u) {
        return new StableDiffusionXL(prompts, u, vae, schedulerConfig, forceZerosForEmptyPrompt, manager, source);
    }

    /** The scheduler a request asks for; null = the model's scheduler_config (Euler for SDXL base). */
    public Scheduler scheduler(SchedulerType type) {
        if (type == null) {
            String cls = schedulerConfig.has("_class_name") ? schedulerConfig.get("_class_name").getAsString() : "";
            type = cls.startsWith("DDIM") ? SchedulerType.DDIM : SchedulerType.EULER;
        }
        return switch (type) {
            case EULER -> EulerDiscreteScheduler.fromJson(schedulerConfig);
            case DDIM -> DdimScheduler.fromJson(schedulerConfig);
            // the papers' LMS (linspace, offset 0) on SDXL's own training schedule, as StableDiffusion builds it
            case LMS -> LmsDiscreteScheduler.forModel(BetaSchedule.fromConfig(schedulerConfig, "LMS"),
                    "v_prediction".equals(schedulerConfig.has("prediction_type") ? schedulerConfig.get("prediction_type").getAsString() : "epsilon")
                            ? LmsDiscreteScheduler.Prediction.V_PREDICTION : LmsDiscreteScheduler.Prediction.EPSILON);
            default -> throw new IllegalArgumentException("scheduler " + type + " is not available for SDXL here (EULER, DDIM, LMS)");
        };
    }

    /** Prompt + pooled embeddings with the default size conditioning of a {@code height × width} image. */
    public Conditioning conditioning(List<String> texts, int height, int width) {
        NDArray ids = SizeConditioning.of(height, width).timeIds(manager, texts.size());
        return prompts.encode(texts).with(ids);
    }

    /**
     * The negative conditioning: an empty negative prompt with force_zeros_for_empty_prompt (SDXL
     * base) gives zeros for embeddings and pooled, as the pipeline does for negative_prompt=None.
     */
    public Conditioning negative(String negativePrompt, Conditioning positive) {
        if ((negativePrompt == null || negativePrompt.isEmpty()) && forceZerosForEmptyPrompt) return positive.zeros();
        return prompts.encode(List.of(negativePrompt == null ? "" : negativePrompt)).with(positive.timeIds());
    }

    public int vaeScaleFactor() {
        return 1 << (vae.config().blockOutChannels.length - 1);
    }

    public int defaultImageSize() {
        return unet.config().sampleSize * vaeScaleFactor();
    }

    public BufferedImage generate(Generation g) {
        return generate(g, ProgressListener.NONE);
    }

    public BufferedImage generate(Generation g, ProgressListener listener) {
        try (NDScope scope = new NDScope()) {
            int h = g.height() == 0 ? defaultImageSize() : g.height();
            int w = g.width() == 0 ? defaultImageSize() : g.width();
            int f = vaeScaleFactor();
            if (h % f != 0 || w % f != 0) {
                throw new IllegalArgumentException("height and width must be multiples of " + f + ", got " + h + "x" + w);
            }
            Conditioning cond = conditioning(List.of(g.prompt()), h, w);
            Conditioning uncond = g.guidance() == 1f ? null : negative(g.negativePrompt(), cond);
            Shape sample = new Shape(unet.config().inChannels, h / f, w / f);
            NDArray x = manager.create(TorchGenerator.randnSample(g.seed(), sample, g.imagesPerSeed(), g.imageIndex()),
                    new Shape(1, sample.get(0), sample.get(1), sample.get(2)));
            DataType dtype = unet.weights().get("conv_in.weight").getDataType();
            if (dtype != DataType.FLOAT32) x = x.toType(dtype, false);
            NDArray latent = Sampler.denoise(unet, scheduler(g.scheduler()).schedule(g.samplingSteps()), x, cond, uncond,
                    g.guidance(), listener, null);
            return Images.toImage(decode(latent));
        }
    }

    /** As {@link StableDiffusion#validate()}: every component runs once on the smallest valid input. */
    public StableDiffusionXL validate() {
        Djl.gradOffOnThisThread();
        try (NDScope scope = new NDScope()) {
            int cells = 1 << unet.config().numDownsamplers();
            int f = vaeScaleFactor();
            Conditioning c = conditioning(List.of(""), cells * f, cells * f);
            DataType dtype = unet.weights().get("conv_in.weight").getDataType();
            unet.forward(manager.zeros(new Shape(1, unet.config().inChannels, cells, cells), dtype), manager.create(new long[] {1}), c);
            vae.validate(manager, dtype);
        }
        return this;
    }

    /**
     * Latent → image tensor in [−1,1], {@code vae.decode(latent / scaling_factor)}. As
     * StableDiffusionXLPipeline does, an fp16 VAE whose config sets force_upcast decodes in fp32
     * (latent cast first, then scaled) with a float32 copy of its weights, and returns float32.
     */
    public NDArray decode(NDArray latent) {
        boolean upcast = vae.config().forceUpcast && vae.weights().get("decoder.conv_in.weight").getDataType() == DataType.FLOAT16;
        AutoencoderKL v = upcast ? upcastVae() : vae;
        NDArray z = upcast ? latent.toType(DataType.FLOAT32, false) : latent;
        return v.decode(z.div(v.scalingFactor()));
    }

    private synchronized AutoencoderKL upcastVae() {
        if (upcastVae == null) {
            Map<String, NDArray> f32 = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : vae.weights().asMap().entrySet()) {
                NDArray w = e.getValue().toType(DataType.FLOAT32, false);
                w.attach(manager); // lives as long as the pipeline, not the caller's scope
                NDScope.unregister(w);
                f32.put(e.getKey(), w);
            }
            upcastVae = vae.withWeights(new Weights(f32, vae.weights().source() + " (upcast to float32)"));
        }
        return upcastVae;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public DataType dtype() {
        return unet.weights().get("conv_in.weight").getDataType();
    }

    @Override
    public Map<String, Weights> components() {
        Map<String, Weights> m = new LinkedHashMap<>();
        m.put("unet", unet.weights());
        m.put("text_encoder", prompts.encoder1().weights());
        m.put("text_encoder_2", prompts.encoder2().weights());
        m.put("vae", vae.weights());
        return m;
    }

    @Override
    public StableDiffusionXL withUnetWeights(Path file) {
        return withUnet(unet.withWeights(UnetFile.overlay(file, unet.weights(), manager, dtype())));
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "StableDiffusionXL[" + source + ", " + manager.getDevice() + "]";
    }
}
