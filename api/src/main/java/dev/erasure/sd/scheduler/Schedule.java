package dev.erasure.sd.scheduler;

import ai.djl.ndarray.NDArray;

/**
 * One sampling run after diffusers' set_timesteps: the timesteps the UNet sees (float32, possibly
 * fractional), the scale of the initial noise, and the per-step input scaling and update. A
 * schedule may keep state between steps (LMS keeps its derivative history), so steps must be
 * taken in order and a schedule is not shared between runs.
 */
public interface Schedule {
    float[] timesteps();

    float initNoiseSigma();

    NDArray scaleModelInput(NDArray sample, int stepIndex);

    NDArray step(NDArray modelOutput, int stepIndex, NDArray sample);
}
