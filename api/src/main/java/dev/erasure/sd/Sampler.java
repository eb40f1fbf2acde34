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
 * in its own NDScope (temporaries freed), reports progress and is a cancellation checkpoint.
 */
public final class Sampler {
    /** Sees every step: index, timestep, raw UNet output [2B,...] and the latents after the step. */
    @FunctionalInterface
    public interface StepObserver {
        void onStep(int index, int timestep, NDArray unetOutput, NDArray latentsAfter);
    }

    private Sampler() {
    }

    /**
     * Denoises {@code latents} [B,C,h,w] from pure noise (DDIM's init_noise_sigma is 1).
     *
     * @param uncond [B,77,D] negative-prompt embeddings; null means no guidance (cond only)
     * @param cond   [B,77,D] prompt embeddings
     */
    public static NDArray denoise(UNet2DConditionModel unet, DdimScheduler scheduler, NDArray latents,
                                  NDArray cond, NDArray uncond, int steps, float guidance,
                                  ProgressListener listener, StepObserver observer) {
        int[] timesteps = scheduler.timesteps(steps);
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
                    NDArray next = scheduler.step(eps, t, x, steps).prevSample();
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

    /**
     * The same guided loop on any {@link Schedule} (LMS: diffusers' StableDiffusionPipeline with
     * that scheduler). {@code noise} is unit-variance; it is scaled by the schedule's
     * init_noise_sigma first, and the UNet gets the scaled model input and the schedule's float32
     * timestep, which may be fractional (LMS linspace: 988.9091, ...). The observer receives the
     * timestep rounded to an int.
     */
    public static NDArray denoise(UNet2DConditionModel unet, Schedule schedule, NDArray noise,
                                  NDArray cond, NDArray uncond, float guidance,
                                  ProgressListener listener, StepObserver observer) {
        float[] timesteps = schedule.timesteps();
        boolean cfg = uncond != null && guidance != 1f;
        NDArray context = cfg ? NDArrays.concat(new NDList(uncond, cond), 0) : cond;
        NDArray x = noise.mul(schedule.initNoiseSigma());
        try (Task task = Task.start("sample", timesteps.length, listener)) {
            for (int i = 0; i < timesteps.length; i++) {
                float t = timesteps[i];
                try (NDScope scope = new NDScope()) {
                    NDArray scaled = schedule.scaleModelInput(x, i);
                    NDArray in = cfg ? NDArrays.concat(new NDList(scaled, scaled), 0) : scaled;
                    NDArray out = unet.forward(in, x.getManager().create(new float[] {t}), context);
                    NDArray eps = out;
                    if (cfg) {
                        NDList halves = out.split(2, 0);
                        NDArray u = halves.get(0);
                        eps = u.add(halves.get(1).sub(u).mul(guidance));
                    }
                    NDArray next = schedule.step(eps, i, x);
                    if (observer != null) observer.onStep(i, Math.round(t), out, next);
                    NDScope.unregister(next);
                    x.close();
                    x = next;
                }
                task.step();
            }
        }
        return x;
    }
}
