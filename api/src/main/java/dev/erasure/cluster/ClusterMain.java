package dev.erasure.cluster;

import dev.erasure.sd.StableDiffusion;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./erasure cluster run|merge|status|slurm|k8s}: a study (see {@link Study}) as shards on a
 * cluster's own scheduler. Exit codes: 0 done, 75 preempted (rerun it), 1 failed, 2 bad usage,
 * 3 merge incomplete.
 */
public final class ClusterMain {
    public static final int PARTIAL = 3;

    private ClusterMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            return;
        }
        int code;
        try {
            Map<String, String> o = options(args);
            code = switch (args[0]) {
                case "run" -> run(o);
                case "merge" -> merge(o);
                case "status" -> status(o);
                case "slurm" -> slurm(o);
                case "k8s" -> k8s(o);
                default -> throw new IllegalArgumentException("unknown cluster command '" + args[0] + "'\n" + usage());
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        }
        System.out.flush();
        System.exit(code);
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
        Study study = Study.load(Path.of(o.get("study")));
        Shard shard = o.containsKey("shard") || o.containsKey("shards")
                ? Shard.of(integer(o, "shard", -1), integer(o, "shards", -1)) : Shard.fromEnvironment(System.getenv());
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
        Set<String> known = Set.of("study", "results", "shard", "shards", "gpus", "cpus", "mem", "time", "partition", "account",
                "name", "submit", "image", "parallelism", "claim", "mount", "out");
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
            }
            String k = args[i].substring(2);
            if (!known.contains(k)) throw new IllegalArgumentException("unknown option --" + k + "\n" + usage());
            m.put(k, args[++i]);
        }
        return m;
    }

    private static void need(Map<String, String> o, String... keys) {
        for (String k : keys) if (!o.containsKey(k)) throw new IllegalArgumentException("--" + k + " is required\n" + usage());
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        if (!o.containsKey(key)) return dflt;
        try {
            return Integer.parseInt(o.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + o.get(key) + "'");
        }
    }
}
