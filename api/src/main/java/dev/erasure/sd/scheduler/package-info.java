/** Noise schedules and samplers of the diffusion process. Layer: sd. */
package dev.erasure.sd.scheduler;
