package dev.erasure.cluster;

import dev.erasure.io.Records;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A study as a Kubernetes Indexed Job: {@code completionMode: Indexed} gives pod I the environment
 * variable JOB_COMPLETION_INDEX = I, the manifest sets ERASURE_SHARD_COUNT (Kubernetes does not export
 * the completion count). Eviction and preemption send TERM, the shard exits 75 within the grace period,
 * and the pod failure policy recreates the index without counting it as a failure (exit 75 and
 * disruptions are ignored); a requeued pod skips the finished items on the shared volume.
 * Merge after the Job completes: {@code kubectl wait --for=condition=complete job/NAME} then the
 * merge command, e.g. in a second Job.
 *
 * @param name        Job name (DNS label)
 * @param shards      completions N
 * @param parallelism pods at a time
 * @param image       container image holding the Erasure checkout at {@code workdir}
 * @param workdir     the checkout inside the image
 * @param claim       PersistentVolumeClaim (ReadWriteMany) mounted at {@code mount}, holding study and results
 * @param mount       where the claim is mounted
 * @param study       the study JSON (under the mount)
 * @param results     the results folder (under the mount)
 * @param gpus        nvidia.com/gpu per pod
 * @param retries     failures allowed per index before the Job fails (backoffLimitPerIndex)
 */
public record KubernetesJob(String name, int shards, int parallelism, String image, Path workdir, String claim, Path mount,
                            Path study, Path results, int gpus, int retries) {
    /** SLURM's default warning time; the grace period is what Kubernetes waits between TERM and KILL. */
    public static final int GRACE_SECONDS = 120;

    public KubernetesJob {
        Objects.requireNonNull(image, "image");
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?")) {
            throw new IllegalArgumentException("job name '" + name + "' must be a DNS label: lower-case letters, digits, '-'");
        }
        if (shards < 1 || parallelism < 1) throw new IllegalArgumentException("shards and parallelism must be ≥ 1");
        if (gpus < 0 || retries < 0) throw new IllegalArgumentException("gpus and retries must be ≥ 0");
    }

    /** All shards at once, one GPU each, the checkout at /erasure, a claim named "erasure-results" at /results. */
    public static KubernetesJob of(String name, int shards, String image, Path study, Path results) {
        return new KubernetesJob(name, shards, shards, image, Path.of("/erasure"), "erasure-results", Path.of("/results"),
                study, results, 1, 3);
    }

    public KubernetesJob parallelism(int n) {
        return Records.with(this, "parallelism", n);
    }

    public KubernetesJob gpus(int n) {
        return Records.with(this, "gpus", n);
    }

    public KubernetesJob volume(String claimName, Path mountPath) {
        return Records.with(this, "claim", claimName, "mount", mountPath);
    }

    /** The manifest, for {@code kubectl apply -f}. */
    public String manifest() {
        List<String> l = new ArrayList<>();
        l.add("apiVersion: batch/v1");
        l.add("kind: Job");
        l.add("metadata:");
        l.add("  name: " + name);
        l.add("spec:");
        l.add("  completionMode: Indexed");
        l.add("  completions: " + shards);
        l.add("  parallelism: " + parallelism);
        l.add("  backoffLimitPerIndex: " + retries);
        l.add("  podFailurePolicy:");
        l.add("    rules:");
        l.add("    - action: Ignore            # evicted or preempted: recreate the index, not a failure");
        l.add("      onPodConditions:");
        l.add("      - type: DisruptionTarget");
        l.add("    - action: Ignore            # stopped by TERM with its finished items saved");
        l.add("      onExitCodes:");
        l.add("        containerName: shard");
        l.add("        operator: In");
        l.add("        values: [" + ShardRun.PREEMPTED + "]");
        l.add("  template:");
        l.add("    spec:");
        l.add("      restartPolicy: Never");
        l.add("      terminationGracePeriodSeconds: " + GRACE_SECONDS);
        l.add("      containers:");
        l.add("      - name: shard");
        l.add("        image: " + yaml(image));
        l.add("        workingDir: " + yaml(workdir.toString()));
        l.add("        command: [\"./erasure\", \"cluster\", \"run\", \"--study\", " + yaml(study.toString()) + ", \"--results\", "
                + yaml(results.toString()) + "]");
        l.add("        env:");
        l.add("        - name: " + Shard.ENV_COUNT);
        l.add("          value: \"" + shards + "\"");
        if (gpus > 0) {
            l.add("        - name: ERASURE_MAVEN_PROFILES");
            l.add("          value: gpu");
            l.add("        resources:");
            l.add("          limits:");
            l.add("            nvidia.com/gpu: " + gpus);
        }
        l.add("        volumeMounts:");
        l.add("        - name: results");
        l.add("          mountPath: " + yaml(mount.toString()));
        l.add("      volumes:");
        l.add("      - name: results");
        l.add("        persistentVolumeClaim:");
        l.add("          claimName: " + yaml(claim));
        return String.join("\n", l) + "\n";
    }

    /** A double-quoted YAML scalar. */
    private static String yaml(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
