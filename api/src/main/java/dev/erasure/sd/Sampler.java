package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.scheduler.Schedule;

/**
 * The classifier-free-guidance DDIM loop of diffusers' StableDiffusionPipeline: the batch is
 * [uncond, cond], ε = ε_u + s·(ε_c − ε_u), one scheduler step per timestep, eta 0. Each step runs
 * in its own NDScope (temporaries freed), reports progress and checks for cancellation.
 */
public final class Sampler {
    /** Sees every step: index, timestep, raw UNet output [2B,...] and the latents after the step. */
    @FunctionalInterface
    public interface StepObserver {
        void onStep(int index, int timestep, NDArray unetOutput, NDArray latentsAfter);
    }

    private Sampler() {
    }

    /** Sees every step of {@link #denoise(UNet2DConditionModel, Schedule, NDArray, Conditioning, Conditioning, float, ProgressListener, ConditionedObserver)}. */
    @FunctionalInterface
    public interface ConditionedObserver {
        void onStep(int index, float timestep, NDArray unetInput, NDArray unetOutput, NDArray latentsAfter);
    }

    /**
     * The CFG loop of diffusers' SD and SDXL pipelines over any {@link Schedule}: the latent is
     * multiplied by init_noise_sigma, the batch [negative, positive] is scaled by
     * scale_model_input, the UNet gets the float timestep and the conditioning (SDXL: pooled
     * embeddings and time ids too), ε = u + s·(c − u), then one schedule step.
     *
     * @param uncond negative conditioning; null means no guidance
     */
    public static NDArray denoise(UNet2DConditionModel unet, Schedule schedule, NDArray latents, Conditioning cond,
                                  Conditioning uncond, float guidance, ProgressListener listener,
                                  ConditionedObserver observer) {
        float[] timesteps = schedule.timesteps();
        boolean cfg = uncond != null && guidance != 1f;
        Conditioning c = cfg ? Conditioning.concat(uncond, cond) : cond;
        NDArray x = latents.mul(schedule.initNoiseSigma());
        try (Task task = Task.start("sample", timesteps.length, listener)) {
            for (int i = 0; i < timesteps.length; i++) {
                try (NDScope scope = new NDScope()) {
                    NDArray in = schedule.scaleModelInput(cfg ? NDArrays.concat(new NDList(x, x), 0) : x, i);
                    NDArray out = unet.forward(in, x.getManager().create(timesteps[i]), c);
                    NDArray eps = out;
                    if (cfg) {
                        NDList halves = out.split(2, 0);
                        NDArray u = halves.get(0);
                        eps = u.add(halves.get(1).sub(u).mul(guidance));
                    }
                    NDArray next = schedule.step(eps, i, x);
                    if (observer != null) observer.onStep(i, timesteps[i], in, out, next);
                    NDScope.unregister(next);
                    x.close();
                    x = next;
                }
                task.step();
            }
        }
        return x;
    }

    /**
     * Denoises {@code latents} [B,C,h,w] from pure noise (DDIM's init_noise_sigma is 1).
     *
     * @param uncond [B,77,D] negative-prompt embeddings; null means no guidance (cond only)
     * @param cond   [B,77,D] prompt embeddings
     */
    public static NDArray denoise(UNet2DConditionModel unet, DdimScheduler scheduler, NDArray latents,
                                  NDArray cond, NDArray uncond, int samplingSteps, float guidance,
                                  ProgressListener listener, StepObserver observer) {
        int[] timesteps = scheduler.timesteps(samplingSteps);
        boolean cfg = uncond != null && guidance != 1f;
        NDArray context = cfg ? NDArrays.concat(new NDList(uncond, cond), 0) : cond;
        NDArray x = latents;
        try (Task task = Task.start("sample", timesteps.length, listener)) {
            for (int i = 0; i < timesteps.length; i++) {
                int t = timesteps[i];
                try (NDScope scope = new NDScope()) {
                    NDArray in = cfg ? NDArrays.concat(new NDList(x, x), 0) : x;
                    NDArray tArr = x.getManager().create(new long[] {t});
                    NDArray out = unet.forward(in, tArr, context);
                    NDArray eps = out;
                    if (cfg) {
                        NDList halves = out.split(2, 0);
                        NDArray u = halves.get(0);
                        eps = u.add(halves.get(1).sub(u).mul(guidance));
                    }
                    NDArray next = scheduler.step(eps, t, x, samplingSteps).prevSample();
                    if (observer != null) observer.onStep(i, t, out, next);
                    NDScope.unregister(next);
                    if (x != latents) x.close();
                    x = next;
                }
                task.step();
            }
        }
        return x;
    }
}
