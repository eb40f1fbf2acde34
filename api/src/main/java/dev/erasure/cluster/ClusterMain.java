package dev.erasure.cluster;

import dev.erasure.sd.StableDiffusion;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./erasure cluster run|merge|status|slurm|k8s}: a study (see {@link Study}) as shards on a
 * cluster's own scheduler. Exit codes: 0 done, 75 preempted (rerun it), 1 failed, 2 bad usage,
 * 3 merge incomplete.
 */
public final class ClusterMain {
    public static final int PARTIAL = 3;

    private ClusterMain() {
    }

    /** The flags each command takes; any other is a usage error. */
    private static final Map<String, Set<String>> FLAGS = Map.of(
            "run", Set.of("study", "results", "shard", "shards"),
            "merge", Set.of("study", "results"),
            "status", Set.of("results"),
            "slurm", Set.of("study", "results", "shards", "gpus", "cpus", "mem", "time", "partition", "account", "name", "submit"),
            "k8s", Set.of("study", "results", "shards", "image", "gpus", "parallelism", "claim", "mount", "name", "out"));

    /** A mistake in the command line (exit 2), as opposed to a failure while running (exit 1). */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        int code = run(args, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs a command, every flag checked before a study or model is read. A user error is one line
     * on {@code err} and a usage hint, exit 2; a failure (missing study, corrupt model) one line,
     * exit 1; no stack trace unless {@code -Derasure.debug=true}.
     */
    static int run(String[] args, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            return 0;
        }
        try {
            if (!FLAGS.containsKey(args[0])) throw new UsageException("unknown cluster command '" + args[0] + "'");
            Map<String, String> o = options(args);
            return switch (args[0]) {
                case "run" -> run(o);
                case "merge" -> merge(o);
                case "status" -> status(o);
                case "slurm" -> slurm(o);
                default -> k8s(o);
            };
        } catch (UsageException e) {
            err.println("error: " + e.getMessage() + "\n(run ./erasure cluster --help for the commands and their options)");
            debug(e, err);
            return 2;
        } catch (RuntimeException e) { // a missing study, a corrupt model, a full disk: the messages name the file
            err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            debug(e, err);
            return 1;
        }
    }

    private static void debug(Exception e, PrintStream err) {
        if (Boolean.getBoolean("erasure.debug")) e.printStackTrace(err);
    }

    static String usage() {
        return String.join("\n",
                "usage: ./erasure cluster <command> [--option value ...]",
                "  run --study S.json --results DIR [--shard I --shards N]",
                "      one shard (default: from ERASURE_SHARD / SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX);",
                "      exit 0 done, 75 stopped by SIGTERM (rerun resumes), 1 failed",
                "  merge --study S.json --results DIR      merged/sweep.csv and merged/protocol/ (exit 3 if incomplete)",
                "  status --results DIR                    per shard: state, items done, ETA, last report",
                "  slurm --study S.json --results DIR --shards N [--gpus 1] [--cpus 4] [--mem 32G] [--time 04:00:00]",
                "        [--partition P] [--account A] [--name erasure] [--submit yes|no]",
                "      writes DIR/slurm/NAME.sbatch (array job) and NAME-merge.sbatch, submits both (merge afterok)",
                "  k8s --study S.json --results DIR --shards N --image IMAGE [--gpus 1] [--parallelism N]",
                "      [--claim erasure-results] [--mount /results] [--name erasure] [--out FILE.yaml]",
                "      writes an Indexed Job manifest (paths are those inside the pod) for kubectl apply -f");
    }

    private static int run(Map<String, String> o) {
        need(o, "study", "results");
        if (o.containsKey("shard") != o.containsKey("shards")) throw new UsageException("--shard and --shards go together");
        Shard shard;
        try {
            shard = o.containsKey("shard") ? Shard.of(integer(o, "shard", -1), integer(o, "shards", -1)) : Shard.fromEnvironment(System.getenv());
        } catch (UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Study study = Study.load(Path.of(o.get("study")));
        Preemption.install();
        System.err.println("erasure: " + shard + " of " + study.file());
        int code = ShardRun.run(study, new ResultsDir(Path.of(o.get("results"))), shard, System.getenv());
        System.err.println("erasure: " + shard + (code == ShardRun.DONE ? " done" : code == ShardRun.PREEMPTED ? " preempted" : " failed"));
        return code;
    }

    private static int merge(Map<String, String> o) {
        need(o, "study", "results");
        Study study = Study.load(Path.of(o.get("study")));
        ResultsDir dir = new ResultsDir(Path.of(o.get("results")));
        boolean complete = true;
        if (study.hasSweep()) {
            try (StableDiffusion sd = StableDiffusion.load(study.model())) {
                Merged m = Merged.sweep(study.sweep(sd), dir);
                System.out.println(m.summary());
                System.out.println(m.table().print(Integer.MAX_VALUE));
                complete &= m.complete() && m.duplicates().isEmpty();
            }
        }
        if (study.hasProtocol()) {
            Merged m = Merged.protocol(study.protocol(), dir);
            System.out.println(m.summary());
            complete &= m.complete() && m.duplicates().isEmpty();
        }
        return complete ? 0 : PARTIAL;
    }

    private static int status(Map<String, String> o) {
        need(o, "results");
        ClusterStatus s = ClusterStatus.read(new ResultsDir(Path.of(o.get("results"))));
        System.out.println(s.summary());
        if (!s.shards().isEmpty()) System.out.println(s.table().print(Integer.MAX_VALUE));
        return 0;
    }

    private static int slurm(Map<String, String> o) {
        need(o, "study", "results", "shards");
        for (String k : new String[] {"shards", "gpus", "cpus"}) integer(o, k, 1);
        if (!Set.of("yes", "no").contains(o.getOrDefault("submit", "yes"))) {
            throw new UsageException("--submit must be yes or no, got '" + o.get("submit") + "'");
        }
        Study.load(Path.of(o.get("study"))); // fail here, not in N array tasks
        SlurmJob job = SlurmJob.of(o.getOrDefault("name", "erasure"), integer(o, "shards", 0), Path.of("").toAbsolutePath(),
                        Path.of(o.get("study")), Path.of(o.get("results")))
                .gpus(integer(o, "gpus", 1)).cpus(integer(o, "cpus", 4)).memory(o.getOrDefault("mem", ""))
                .time(o.getOrDefault("time", "")).partition(o.getOrDefault("partition", "")).account(o.getOrDefault("account", ""));
        if (o.getOrDefault("submit", "yes").equals("no")) {
            Path dir = job.results().resolve("slurm");
            ResultsDir.writeAtomically(dir.resolve(job.name() + ".sbatch"), job.shardScript());
            ResultsDir.writeAtomically(dir.resolve(job.name() + "-merge.sbatch"), job.mergeScript());
            System.out.println("wrote " + dir.resolve(job.name() + ".sbatch") + " and " + dir.resolve(job.name() + "-merge.sbatch"));
            return 0;
        }
        SlurmJob.Submitted s = job.submit();
        System.out.println("submitted array job " + s.arrayJob() + " (" + job.shards() + " shards) and merge job " + s.mergeJob());
        System.out.println("watch: ./erasure cluster status --results " + job.results());
        return 0;
    }

    private static int k8s(Map<String, String> o) {
        need(o, "study", "results", "shards", "image");
        for (String k : new String[] {"shards", "gpus", "parallelism"}) integer(o, k, 1);
        KubernetesJob job = KubernetesJob.of(o.getOrDefault("name", "erasure"), integer(o, "shards", 0), o.get("image"),
                        Path.of(o.get("study")), Path.of(o.get("results")))
                .gpus(integer(o, "gpus", 1)).parallelism(integer(o, "parallelism", integer(o, "shards", 0)))
                .volume(o.getOrDefault("claim", "erasure-results"), Path.of(o.getOrDefault("mount", "/results")));
        Path out = Path.of(o.getOrDefault("out", job.name() + "-job.yaml"));
        ResultsDir.writeAtomically(out, job.manifest());
        System.out.println("wrote " + out + "; kubectl apply -f " + out + ", then kubectl wait --for=condition=complete job/"
                + job.name() + " --timeout=-1s and ./erasure cluster merge");
        return 0;
    }

    static Map<String, String> options(String[] args) {
        Set<String> known = FLAGS.get(args[0]);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new UsageException("expected --option value pairs, got '" + args[i] + "'");
            }
            String k = args[i].substring(2);
            if (!known.contains(k)) {
                throw new UsageException("unknown option --" + k + " for " + args[0] + " (it takes --"
                        + String.join(", --", new TreeSet<>(known)) + ")");
            }
            if (m.put(k, args[++i]) != null) throw new UsageException("--" + k + " given twice");
        }
        return m;
    }

    private static void need(Map<String, String> o, String... keys) {
        for (String k : keys) if (!o.containsKey(k)) throw new UsageException("--" + k + " is required");
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        if (!o.containsKey(key)) return dflt;
        try {
            int n = Integer.parseInt(o.get(key).trim());
            if (n >= 0 && (n > 0 || key.equals("shard") || key.equals("gpus"))) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--" + key + " must be a " + (key.equals("shard") || key.equals("gpus") ? "non-negative" : "positive")
                + " whole number, got '" + o.get(key) + "'");
    }
}
