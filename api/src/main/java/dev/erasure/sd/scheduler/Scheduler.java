package dev.erasure.sd.scheduler;

/** A sampler for one model's training schedule; each {@link #schedule} call is one fresh sampling run. */
public interface Scheduler {
    Schedule schedule(int inferenceSteps);
}
