package dev.erasure.cluster;

import dev.erasure.io.Records;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * A study as a SLURM job array: task I runs shard I of N ({@code --array=0-(N-1)}), and a merge job
 * waits for all of them ({@code --dependency=afterok}). Preemption: SLURM sends TERM to the batch shell
 * {@code signalSeconds} before the time limit ({@code --signal=B:TERM@S}) and on {@code scancel --signal=TERM};
 * the script forwards it to the JVM, which stops at its next checkpoint with its finished items on disk
 * and exits 75, and the script then requeues the task ({@code --requeue}), which skips what is done.
 *
 * @param name          job name
 * @param shards        array size N
 * @param repo          the Erasure checkout on the shared filesystem (holds ./erasure)
 * @param study         the study JSON
 * @param results       the shared results folder
 * @param gpus          GPUs per task (0 = CPU; &gt;0 also selects the gpu Maven profile)
 * @param cpus          CPUs per task
 * @param memory        memory per task, e.g. "32G" ("" = the partition's default)
 * @param time          time limit per task, e.g. "04:00:00" ("" = the partition's default)
 * @param partition     partition ("" = default)
 * @param account       account ("" = default)
 * @param signalSeconds seconds before the time limit at which TERM is sent
 */
public record SlurmJob(String name, int shards, Path repo, Path study, Path results, int gpus, int cpus, String memory,
                       String time, String partition, String account, int signalSeconds) {
    public SlurmJob {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("job name '" + name + "' must be letters, digits, . _ -");
        if (shards < 1) throw new IllegalArgumentException("shards must be ≥ 1, got " + shards);
        if (gpus < 0 || cpus < 1) throw new IllegalArgumentException("gpus must be ≥ 0 and cpus ≥ 1, got " + gpus + ", " + cpus);
        if (signalSeconds < 1) throw new IllegalArgumentException("signalSeconds must be ≥ 1, got " + signalSeconds);
        repo = repo.toAbsolutePath().normalize();
        study = study.toAbsolutePath().normalize();
        results = results.toAbsolutePath().normalize();
    }

    /** One GPU, 4 CPUs per task, partition defaults, TERM 120 s before the limit. */
    public static SlurmJob of(String name, int shards, Path repo, Path study, Path results) {
        return new SlurmJob(name, shards, repo, study, results, 1, 4, "", "", "", "", 120);
    }

    public SlurmJob gpus(int n) {
        return Records.with(this, "gpus", n);
    }

    public SlurmJob cpus(int n) {
        return Records.with(this, "cpus", n);
    }

    public SlurmJob memory(String m) {
        return Records.with(this, "memory", m);
    }

    public SlurmJob time(String t) {
        return Records.with(this, "time", t);
    }

    public SlurmJob partition(String p) {
        return Records.with(this, "partition", p);
    }

    public SlurmJob account(String a) {
        return Records.with(this, "account", a);
    }

    public SlurmJob signalSeconds(int s) {
        return Records.with(this, "signalSeconds", s);
    }

    /** The array job script (sbatch reads the #SBATCH lines). */
    public String shardScript() {
        List<String> l = header(name);
        l.add("#SBATCH --array=0-" + (shards - 1));
        l.add("#SBATCH --requeue");
        l.add("#SBATCH --open-mode=append");
        l.add("#SBATCH --signal=B:TERM@" + signalSeconds);
        l.add("#SBATCH --output=" + results.resolve("logs") + "/%A_%a.out");
        l.add("#SBATCH --cpus-per-task=" + cpus);
        if (gpus > 0) l.add("#SBATCH --gres=gpu:" + gpus);
        resources(l);
        l.add("# Shard $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT (read by the JVM). TERM is forwarded to the JVM,");
        l.add("# which keeps what it finished and exits 75; the task is then requeued and resumes.");
        l.add("set -u");
        l.add("cd " + quote(repo));
        if (gpus > 0) l.add("export ERASURE_MAVEN_PROFILES=gpu");
        l.add("./erasure cluster run --study " + quote(study) + " --results " + quote(results) + " &");
        l.add("pid=$!");
        l.add("term=0");
        l.add("trap 'term=1; kill -TERM $pid 2>/dev/null' TERM");
        l.add("wait $pid; rc=$?");
        l.add("while kill -0 $pid 2>/dev/null; do wait $pid; rc=$?; done   # wait returns early when the trap runs");
        l.add("# 75: stopped at a checkpoint. 143: TERM came before the JVM could catch it (still starting); requeue too");
        l.add("if [ $rc -eq " + ShardRun.PREEMPTED + " ] || { [ $term -eq 1 ] && [ $rc -eq 143 ]; }; then");
        l.add("  echo \"preempted: requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"");
        l.add("  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"");
        l.add("fi");
        l.add("exit $rc");
        return String.join("\n", l) + "\n";
    }

    /** The merge job, submitted with {@code --dependency=afterok:<array job id>}. */
    public String mergeScript() {
        List<String> l = header(name + "-merge");
        l.add("#SBATCH --output=" + results.resolve("logs") + "/merge-%j.out");
        l.add("#SBATCH --cpus-per-task=1");
        if (!partition.isEmpty()) l.add("#SBATCH --partition=" + partition);
        if (!account.isEmpty()) l.add("#SBATCH --account=" + account);
        l.add("set -eu");
        l.add("cd " + quote(repo));
        l.add("exec ./erasure cluster merge --study " + quote(study) + " --results " + quote(results));
        return String.join("\n", l) + "\n";
    }

    private void resources(List<String> l) {
        if (!memory.isEmpty()) l.add("#SBATCH --mem=" + memory);
        if (!time.isEmpty()) l.add("#SBATCH --time=" + time);
        if (!partition.isEmpty()) l.add("#SBATCH --partition=" + partition);
        if (!account.isEmpty()) l.add("#SBATCH --account=" + account);
    }

    private static List<String> header(String jobName) {
        List<String> l = new ArrayList<>();
        l.add("#!/bin/bash");
        l.add("#SBATCH --job-name=" + jobName);
        return l;
    }

    /** Single-quoted for bash. */
    static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    /** The ids sbatch gave: the array job and the merge job. */
    public record Submitted(String arrayJob, String mergeJob) {
    }

    /** Writes both scripts under results/slurm/ and submits them with sbatch. */
    public Submitted submit() {
        Path dir = results.resolve("slurm");
        Path shardsFile = dir.resolve(name + ".sbatch");
        Path mergeFile = dir.resolve(name + "-merge.sbatch");
        ResultsDir.writeAtomically(shardsFile, shardScript());
        ResultsDir.writeAtomically(mergeFile, mergeScript());
        try {
            Files.createDirectories(results.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String array = sbatch(List.of("sbatch", "--parsable", shardsFile.toString()));
        String merge = sbatch(List.of("sbatch", "--parsable", "--dependency=afterok:" + array, mergeFile.toString()));
        return new Submitted(array, merge);
    }

    private static String sbatch(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            String last = out.lines().reduce((a, b) -> b).orElse(""); // warnings may come first
            return last.split(";")[0]; // --parsable prints "jobid[;cluster]"
        } catch (IOException e) {
            throw new IllegalStateException("cannot run sbatch (is this a SLURM login node?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting", e);
        }
    }
}
