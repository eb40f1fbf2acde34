package dev.erasure.sd.scheduler;

/** The samplers a {@link dev.erasure.sd.Generation} can ask for (null there = the model's own config). */
public enum SchedulerType { DDIM, LMS, EULER }
