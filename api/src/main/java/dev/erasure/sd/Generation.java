package dev.erasure.sd;

import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.sd.scheduler.SchedulerType;

/**
 * One text-to-image request; immutable with fluent withers. Defaults are the SD pipeline's
 * (guidance 7.5, 50 sampling steps, empty negative prompt, the model's native size). The scheduler is
 * null for the model's own scheduler_config (DDIM) or a {@link SchedulerType}: LMS is the papers'
 * sampler (ESD/EAP generate-images.py: LMS, linspace timesteps, 100 sampling steps).
 *
 * <pre>sd.generate(Generation.of("a photo of a church").seed(7).samplingSteps(25))</pre>
 *
 * @param samplingSteps denoising steps of the sampler (the scheduler's num_inference_steps)
 * @param imagesPerSeed how many latents the seed draws at once ({@code torch.randn((n,4,h,w))}, 1 by default)
 * @param imageIndex    which of them this image starts from (0-based)
 */
public record Generation(String prompt, String negativePrompt, long seed, int samplingSteps, float guidance,
                         int height, int width, SchedulerType scheduler, int imagesPerSeed, int imageIndex) {
    public Generation {
        if (imagesPerSeed < 1) throw new IllegalArgumentException("imagesPerSeed must be ≥ 1, got " + imagesPerSeed);
        if (imageIndex < 0 || imageIndex >= imagesPerSeed) {
            throw new IllegalArgumentException("imageIndex must be in [0, " + imagesPerSeed + "), got " + imageIndex);
        }
        if (prompt == null) throw new IllegalArgumentException("prompt must not be null");
        if (negativePrompt == null) negativePrompt = "";
        if (samplingSteps <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + samplingSteps);
        if (height < 0 || width < 0) throw new IllegalArgumentException("height/width must be ≥ 0 (0 = model default)");
    }

    public static Generation of(String prompt) {
        return new Generation(prompt, "", 0, 50, 7.5f, 0, 0, null, 1, 0);
    }

    public Generation negative(String n) {
        return Records.with(this, "negativePrompt", n);
    }

    public Generation seed(long s) {
        return Records.with(this, "seed", s);
    }

    /** Denoising steps of the sampler (default 50). */
    public Generation samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps(int)}, the denoising steps. */
    @Deprecated
    public Generation steps(int n) {
        return samplingSteps(n);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps()}, the denoising steps. */
    @Deprecated
    public int steps() {
        return samplingSteps;
    }

    public Generation guidance(float g) {
        Finite.require("guidance", g);
        return Records.with(this, "guidance", g);
    }

    /** The sampler to use; null = the model's own scheduler_config (DDIM for SD-1/2, Euler for SDXL). */
    public Generation scheduler(SchedulerType type) {
        return Records.with(this, "scheduler", type);
    }

    /** Image size in pixels (0 = the model's default); must be a multiple of the VAE factor. */
    public Generation size(int h, int w) {
        return Records.with(this, "height", h, "width", w);
    }

    /**
     * Image {@code index} of {@code n} drawn from one seed: the official generators seed once per prompt
     * and draw a batch, {@code torch.manual_seed(s); torch.randn((n,4,64,64))}, so image i starts from the
     * i-th slice of that one draw, not from a draw of its own (EAP's artist protocol: 5 images per prompt).
     */
    public Generation imageOf(int index, int n) {
        return Records.with(this, "imagesPerSeed", n, "imageIndex", index);
    }
}
