package dev.erasure.cluster;

import dev.erasure.eval.Protocol;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Sweep;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;

/**
 * Runs one shard of a study into the shared results folder: its sweep configurations (each written
 * to sweep/shard-I-of-N.csv as it finishes), then its protocol images (protocol/shard-I-of-N/), keeping
 * status/shard-I-of-N.json current. Rerunning a shard (a requeued array task) skips what is on disk.
 * The exit code tells the scheduler what happened: {@link #DONE}, {@link #PREEMPTED} (EX_TEMPFAIL: the
 * job script requeues it) or {@link #FAILED}.
 */
public final class ShardRun {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    /** EX_TEMPFAIL from sysexits.h: stopped by SIGTERM with its finished items saved; run it again. */
    public static final int PREEMPTED = 75;

    private final Study study;
    private final ResultsDir dir;
    private final Shard shard;
    private final Map<String, String> env;
    private ShardStatus status;
    private long sweepItems;
    private long protocolItems;

    private ShardRun(Study study, ResultsDir dir, Shard shard, Map<String, String> env) {
        this.study = study;
        this.dir = dir;
        this.shard = shard;
        this.env = env;
    }

    /** Runs the shard; returns the exit code. Install {@link Preemption} first to turn SIGTERM into {@link #PREEMPTED}. */
    public static int run(Study study, ResultsDir dir, Shard shard, Map<String, String> env) {
        return new ShardRun(study, dir, shard, env).run();
    }

    private int run() {
        ShardStatus previous = ShardStatus.read(dir.statusFile(shard));
        long now = System.currentTimeMillis();
        status = new ShardStatus(shard.index(), shard.count(), ShardStatus.RUNNING, 0, -1, 0,
                previous == null ? 1 : previous.attempt() + 1, host(), job(), now, now, "loading " + study.model().getFileName());
        status.write(dir.statusFile(shard));
        try (StableDiffusion sd = StableDiffusion.load(study.model())) {
            Sweep sweep = study.hasSweep() ? shard.select(study.sweep(sd)).resultsCsv(dir.sweepCsv(shard)) : null;
            Protocol protocol = study.hasProtocol() ? shard.select(study.protocol()) : null;
            sweepItems = sweep == null ? 0 : sweep.configurations().size();
            protocolItems = protocol == null ? 0 : protocol.prompts().size();
            status = new ShardStatus(status.index(), status.count(), ShardStatus.RUNNING, 0, sweepItems + protocolItems, 0,
                    status.attempt(), status.host(), status.job(), status.startedAt(), System.currentTimeMillis(), "");
            status.write(dir.statusFile(shard));
            if (sweep != null) sweep.onProgress(listener(0)).run();
            if (protocol != null && protocol.run(sd, dir.protocolFolder(shard), listener(sweepItems)).cancelled()) {
                throw new CancelledException("protocol cancelled");
            }
            report(ShardStatus.DONE, status.total(), "finished");
            return DONE;
        } catch (CancelledException e) {
            if (Preemption.requested()) {
                report(ShardStatus.PREEMPTED, status.done(), "stopped by SIGTERM; rerun to resume");
                return PREEMPTED;
            }
            report(ShardStatus.FAILED, status.done(), "cancelled: " + e.getMessage());
            return FAILED;
        } catch (RuntimeException | Error e) {
            report(ShardStatus.FAILED, status.done(), String.valueOf(e.getMessage()));
            throw e;
        } finally {
            Preemption.disarm();
        }
    }

    /**
     * Progress of one phase mapped onto the shard's items ({@code offset} = items of earlier phases).
     * Work found finished on disk (the sweep's "N finished earlier" step, the protocol's skipped images,
     * which its task leaves out of its total) counts as done but not into this attempt's rate.
     */
    private ProgressListener listener(long offset) {
        return new ProgressListener() {
            private boolean first = true;

            @Override
            public void onProgress(Progress p) {
                long phaseItems = offset == 0 ? sweepItems : protocolItems;
                long skipped = Math.max(0, phaseItems - p.total());
                long earlier = skipped + (p.message().endsWith("finished earlier") ? p.done() : 0);
                if (first || earlier > skipped) {
                    status = new ShardStatus(status.index(), status.count(), status.state(), status.done(), status.total(),
                            status.doneAtStart() + earlier, status.attempt(), status.host(), status.job(),
                            status.startedAt(), status.updatedAt(), status.message());
                    first = false;
                }
                report(ShardStatus.RUNNING, offset + skipped + p.done(), p.message());
            }
        };
    }

    private void report(String state, long done, String message) {
        status = status.with(state, done, System.currentTimeMillis(), message);
        status.write(dir.statusFile(shard));
    }

    private String host() {
        String h = env.get("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The scheduler's name for this task: array job_task on SLURM, the pod on Kubernetes. */
    private String job() {
        if (env.get("SLURM_ARRAY_JOB_ID") != null) return env.get("SLURM_ARRAY_JOB_ID") + "_" + env.getOrDefault("SLURM_ARRAY_TASK_ID", "");
        if (env.get("SLURM_JOB_ID") != null) return env.get("SLURM_JOB_ID");
        return env.getOrDefault("HOSTNAME", "");
    }
}
