package dev.erasure.sd.scheduler;

/** The samplers a generation can ask for; null in a request means the model's own scheduler_config. */
public enum SchedulerType { DDIM, LMS, EULER }
