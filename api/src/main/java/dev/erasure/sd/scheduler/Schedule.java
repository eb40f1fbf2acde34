package dev.erasure.sd.scheduler;

import ai.djl.ndarray.NDArray;

/** One sampling run of a {@link Scheduler} (set_timesteps done); may keep state between steps. */
public interface Schedule {
    /** The timesteps the UNet is called with, in order. */
    float[] timesteps();

    /** What the initial standard-normal latent is multiplied by. */
    float initNoiseSigma();

    NDArray scaleModelInput(NDArray sample, int stepIndex);

    /** The sample after step {@code stepIndex} given the (guided) model output. */
    NDArray step(NDArray modelOutput, int stepIndex, NDArray sample);
}
