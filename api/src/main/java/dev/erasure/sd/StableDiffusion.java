package dev.erasure.sd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.nn.MemorySaving;
import dev.erasure.sd.scheduler.LmsDiscreteScheduler;
import dev.erasure.sd.scheduler.Scheduler;
import dev.erasure.sd.scheduler.SchedulerType;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Stable Diffusion v1 pipeline on DJL: tokenizer, CLIP text encoder, UNet, VAE (absent for
 * pixel-space models such as ShapeWorld's) and DDIM scheduler. Load a diffusers folder or a
 * single-file checkpoint with {@link #load(Path)}; {@link #withUnet} gives a model that shares
 * every other part (erasure edits only the UNet).
 */
public final class StableDiffusion implements Pipeline, AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final DdimScheduler scheduler;
    private final NDManager manager;
    private final String source;

    public StableDiffusion(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
                           AutoencoderKL vae, DdimScheduler scheduler, NDManager manager, String source) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.scheduler = scheduler;
        this.manager = manager;
        this.source = source;
    }

    /** Loads a diffusers folder or a single {@code .safetensors} checkpoint on the default device, fp32. */
    public static StableDiffusion load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    public static StableDiffusion load(Path path, LoadOptions options) {
        return PipelineLoader.load(path, options);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModel textEncoder() {
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    /** The VAE, or null for a pixel-space model. */
    public AutoencoderKL vae() {
        return vae;
    }

    public DdimScheduler scheduler() {
        return scheduler;
    }

    /**
     * The sampler a request names, over this model's training schedule; null = the model's own
     * (DDIM). LMS is built as the papers' scripts build it (linspace timesteps, offset 0; for SD-1.x
     * exactly {@link LmsDiscreteScheduler#papers()}), not by from_config, which would inherit DDIM's spacing.
     */
    public Scheduler scheduler(SchedulerType type) {
        if (type == null) return scheduler;
        return switch (type) {
            case DDIM -> scheduler;
            case EULER -> scheduler.toEuler();
            case LMS -> LmsDiscreteScheduler.forModel(scheduler.betas(), switch (scheduler.predictionType()) {
                case EPSILON -> LmsDiscreteScheduler.Prediction.EPSILON;
                case V_PREDICTION -> LmsDiscreteScheduler.Prediction.V_PREDICTION;
                case SAMPLE -> throw new IllegalArgumentException("LMS does not support prediction_type 'sample' ("
                        + source + ")");
            });
        };
    }

    /** The manager that owns the loaded weights. */
    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The floating dtype of the UNet's weights. */
    public DataType dtype() {
        return unet.weights().get("conv_in.weight").getDataType();
    }

    public String source() {
        return source;
    }

    /**
     * The same pipeline, its UNet run with gradient checkpointing and/or attention slicing (diffusers'
     * {@code enable_gradient_checkpointing}, {@code enable_attention_slicing}); an erasure of it trains with them.
     */
    public StableDiffusion withMemorySaving(MemorySaving s) {
        return withUnet(unet.withMemorySaving(s));
    }

    /** The same pipeline with another UNet (e.g. an erased one); everything else is shared. */
    public StableDiffusion withUnet(UNet2DConditionModel newUnet) {
        return new StableDiffusion(tokenizer, textEncoder, newUnet, vae, scheduler, manager, source);
    }

    /**
     * The same pipeline with UNet tensors replaced by those of a safetensors file under diffusers names:
     * an erased model as {@code ErasureResult.save} writes it (the trained tensors only), or a full UNet.
     * A key this UNet lacks or a tensor of another shape is refused naming the file and the key.
     */
    @Override
    public StableDiffusion withUnetWeights(Path file) {
        return withUnet(unet.withWeights(UnetFile.overlay(file, unet.weights(), manager, dtype())));
    }

    @Override
    public Map<String, Weights> components() {
        Map<String, Weights> m = new LinkedHashMap<>();
        m.put("unet", unet.weights());
        m.put("text_encoder", textEncoder.weights());
        if (vae != null) m.put("vae", vae.weights());
        return m;
    }

    /** The same pipeline with another text encoder (e.g. AdvUnlearn's). */
    public StableDiffusion withTextEncoder(ClipTextModel newEncoder) {
        return new StableDiffusion(tokenizer, newEncoder, unet, vae, scheduler, manager, source);
    }

    /** Token ids [n,77] int64 on this model's device. */
    public NDArray tokenIds(List<String> prompts) {
        long[][] ids = tokenizer.encode(prompts);
        return manager.create(ids);
    }

    /**
     * Text conditioning E(s) for each prompt: the last hidden state after the final LayerNorm,
     * [n,77,D], as SD-1 uses it; no padding mask. Attached to the caller's scope if one is open.
     */
    public NDArray encodePrompts(List<String> prompts) {
        NDArray ids = tokenIds(prompts);
        NDArray out = textEncoder.forward(ids);
        ids.close();
        return out;
    }

    public NDArray encodePrompt(String prompt) {
        return encodePrompts(List.of(prompt));
    }

    /** Pixels per latent cell: 2^(levels−1) of the VAE (8 for SD), 1 without a VAE. */
    public int vaeScaleFactor() {
        return vae == null ? 1 : 1 << (vae.config().blockOutChannels.length - 1);
    }

    /** The default image size: the UNet's sample_size times the VAE factor (512 for SD-1.4). */
    public int defaultImageSize() {
        return unet.config().sampleSize * vaeScaleFactor();
    }

    /**
     * Standard-normal initial latent for a seed, drawn on the CPU with torch's generator so the
     * same seed gives the same latent as diffusers with {@code torch.Generator().manual_seed(seed)}.
     */
    public NDArray initialLatent(long seed, int height, int width) {
        return initialLatent(seed, height, width, 1, 0);
    }

    /** Latent {@code index} of {@code n} drawn from one seed ({@link Generation#imageOf}). */
    public NDArray initialLatent(long seed, int height, int width, int n, int index) {
        int f = vaeScaleFactor();
        if (height % f != 0 || width % f != 0) {
            throw new IllegalArgumentException("height and width must be multiples of " + f + ", got "
                    + height + "x" + width);
        }
        Shape sample = new Shape(unet.config().inChannels, height / f, width / f);
        NDArray x = manager.create(TorchGenerator.randnSample(seed, sample, n, index), new Shape(1, sample.get(0), sample.get(1), sample.get(2)));
        return dtype() == DataType.FLOAT32 ? x : x.toType(dtype(), false);
    }

    /** Generates one image. */
    public BufferedImage generate(String prompt, long seed, int samplingSteps, float guidance) {
        return generate(Generation.of(prompt).seed(seed).samplingSteps(samplingSteps).guidance(guidance));
    }

    public BufferedImage generate(Generation g) {
        return generate(g, ProgressListener.NONE);
    }

    public BufferedImage generate(Generation g, ProgressListener listener) {
        Djl.gradOffOnThisThread();
        try (NDScope scope = new NDScope()) {
            NDArray latent = sampleLatent(g, listener);
            return Images.toImage(decode(latent));
        }
    }

    /** The denoised latent of a request (before the VAE). */
    public NDArray sampleLatent(Generation g, ProgressListener listener) {
        Djl.gradOffOnThisThread();
        int h = g.height() == 0 ? defaultImageSize() : g.height();
        int w = g.width() == 0 ? defaultImageSize() : g.width();
        NDArray x = initialLatent(g.seed(), h, w, g.imagesPerSeed(), g.imageIndex());
        NDArray cond = encodePrompt(g.prompt());
        NDArray uncond = g.guidance() == 1f ? null : encodePrompt(g.negativePrompt());
        if (g.scheduler() == null || g.scheduler() == SchedulerType.DDIM) {
            return Sampler.denoise(unet, scheduler, x, cond, uncond, g.samplingSteps(), g.guidance(), listener, null);
        }
        return Sampler.denoise(unet, scheduler(g.scheduler()).schedule(g.samplingSteps()), x, Conditioning.of(cond),
                uncond == null ? null : Conditioning.of(uncond), g.guidance(), listener, null);
    }

    /**
     * Latent to image tensor in [-1,1]: the VAE decodes latent / scaling_factor; a pixel-space
     * model's latent already is the image.
     */
    public NDArray decode(NDArray latent) {
        if (vae == null) return latent;
        return vae.decode(latent.div(vae.scalingFactor()));
    }

    /**
     * Runs every component once on the smallest valid input, so that a missing weight or one of
     * the wrong shape is reported at load time with its file and key, not in the middle of a job.
     */
    public StableDiffusion validate() {
        Djl.gradOffOnThisThread();
        try (NDScope scope = new NDScope()) {
            NDArray c = encodePrompt("");
            int cells = 1 << (unet.config().numDownsamplers());
            NDArray z = manager.zeros(new Shape(1, unet.config().inChannels, cells, cells), dtype());
            unet.forward(z, manager.create(new long[] {1}), c);
            if (vae != null) vae.validate(manager, dtype());
        }
        return this;
    }

    /** Closes the weights' manager: every tensor of this model and of models derived from it. */
    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "StableDiffusion[" + source + ", " + device() + ", " + dtype() + "]";
    }
}
