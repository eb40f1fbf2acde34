/**
 * Studies (sweep configurations and protocol images) split into shards for SLURM job arrays and
 * Kubernetes Indexed Jobs: job scripts, per-shard runs that survive preemption, status and merge.
 * Layer: above sweep; imports sweep, the facade and everything below.
 */
package dev.erasure.cluster;
