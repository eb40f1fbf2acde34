package dev.erasure.sd.scheduler;

/** A sampler configured from one model's scheduler_config; each sampling run gets its own {@link Schedule}. */
public interface Scheduler {
    Schedule schedule(int inferenceSteps);
}
