package dev.erasure.cluster;

import dev.erasure.testing.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./erasure cluster}: per command an unknown flag and bad values are usage errors (exit 2, one
 * line naming the flag, a hint), found before the study file is read (it does not exist here, which
 * would be exit 1); a missing study is one line, exit 1; never a stack trace.
 */
class ClusterMainTest {
    @TempDir
    Path tmp;

    private final CommandLine cli = new CommandLine(ClusterMain::run);

    private void usage(String fragment, String... args) {
        cli.usage(fragment, args);
        assertTrue(cli.err().contains("--help"), "a usage hint: " + cli.err());
    }

    @Test
    void flagsAreCheckedBeforeTheStudyIsRead() {
        String study = tmp.resolve("missing-study.json").toString();
        String results = tmp.resolve("results").toString();
        usage("unknown cluster command 'rn'", "rn");
        usage("unknown option --gpus for run", "run", "--study", study, "--results", results, "--gpus", "1");
        usage("--shards must be a positive", "run", "--study", study, "--results", results, "--shard", "0", "--shards", "NaN");
        usage("--shard and --shards go together", "run", "--study", study, "--results", results, "--shard", "1");
        usage("unknown option --shards for merge", "merge", "--study", study, "--results", results, "--shards", "2");
        usage("--results is required", "merge", "--study", study);
        usage("unknown option --study for status", "status", "--study", study, "--results", results);
        usage("unknown option --image for slurm", "slurm", "--study", study, "--results", results, "--shards", "2", "--image", "x");
        usage("--cpus must be a positive", "slurm", "--study", study, "--results", results, "--shards", "2", "--cpus", "0");
        usage("--submit must be yes or no", "slurm", "--study", study, "--results", results, "--shards", "2", "--submit", "maybe");
        usage("unknown option --cpus for k8s", "k8s", "--study", study, "--results", results, "--shards", "2", "--image", "i", "--cpus", "2");
        usage("--parallelism must be a positive", "k8s", "--study", study, "--results", results, "--shards", "2", "--image", "i",
                "--parallelism", "-1");
        usage("given twice", "status", "--results", results, "--results", results);
        assertEquals(1, cli.run("merge", "--study", study, "--results", results), cli.err());
        assertTrue(cli.err().contains("missing-study.json"), cli.err());
        assertEquals(1, cli.err().strip().split("\n").length, "one line: " + cli.err());
    }
}
