package dev.erasure.cluster;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated SLURM scripts and Kubernetes manifest (applying them needs a cluster: cluster/test.sh runs SLURM). */
class ClusterJobsTest {
    @Test
    void slurmArrayScript() {
        SlurmJob job = SlurmJob.of("study1", 4, Path.of("/repo"), Path.of("/shared/study.json"), Path.of("/shared/out"))
                .time("04:00:00").partition("gpu").memory("32G");
        String s = job.shardScript();
        for (String line : List.of("#SBATCH --array=0-3", "#SBATCH --requeue", "#SBATCH --signal=B:TERM@120", "#SBATCH --gres=gpu:1",
                "#SBATCH --time=04:00:00", "#SBATCH --partition=gpu", "#SBATCH --mem=32G", "#SBATCH --cpus-per-task=4",
                "#SBATCH --output=/shared/out/logs/%A_%a.out", "cd '/repo'", "export ERASURE_MAVEN_PROFILES=gpu",
                "./erasure cluster run --study '/shared/study.json' --results '/shared/out' &",
                "trap 'term=1; kill -TERM $pid 2>/dev/null' TERM",
                "if [ $rc -eq 75 ] || { [ $term -eq 1 ] && [ $rc -eq 143 ]; }; then",
                "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"")) {
            assertTrue(s.lines().anyMatch(line::equals), "missing line: " + line + "\n" + s);
        }
        assertTrue(s.startsWith("#!/bin/bash\n"));
        String cpu = job.gpus(0).shardScript();
        assertFalse(cpu.contains("--gres") || cpu.contains("ERASURE_MAVEN_PROFILES"), cpu);
        String m = job.mergeScript();
        assertTrue(m.contains("exec ./erasure cluster merge --study '/shared/study.json' --results '/shared/out'"), m);
        assertFalse(m.contains("--array"), m);
        assertEquals("'/a b/it'\\''s'", SlurmJob.quote(Path.of("/a b/it's")));
        assertThrows(IllegalArgumentException.class, () -> job.signalSeconds(0));
        assertThrows(IllegalArgumentException.class, () -> SlurmJob.of("bad name", 4, Path.of("/r"), Path.of("/s"), Path.of("/o")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kubernetesIndexedJob() {
        String yaml = KubernetesJob.of("imagenette-esd", 8, "registry.example/erasure:1", Path.of("/results/study.json"),
                Path.of("/results/out")).parallelism(4).gpus(1).manifest();
        Map<String, Object> job = new Yaml().load(yaml);
        assertEquals("batch/v1", job.get("apiVersion"));
        assertEquals("Job", job.get("kind"));
        Map<String, Object> spec = (Map<String, Object>) job.get("spec");
        assertEquals("Indexed", spec.get("completionMode"));
        assertEquals(8, spec.get("completions"));
        assertEquals(4, spec.get("parallelism"));
        List<Map<String, Object>> rules = (List<Map<String, Object>>) ((Map<String, Object>) spec.get("podFailurePolicy")).get("rules");
        Map<String, Object> exitRule = (Map<String, Object>) rules.get(1).get("onExitCodes");
        assertEquals(List.of(75), exitRule.get("values"));
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
        assertEquals("Never", pod.get("restartPolicy"), "podFailurePolicy needs restartPolicy Never");
        Map<String, Object> c = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        assertEquals(List.of("./erasure", "cluster", "run", "--study", "/results/study.json", "--results", "/results/out"), c.get("command"));
        List<Map<String, Object>> env = (List<Map<String, Object>>) c.get("env");
        assertTrue(env.contains(Map.of("name", "ERASURE_SHARD_COUNT", "value", "8")), env.toString());
        assertEquals(1, ((Map<String, Object>) ((Map<String, Object>) c.get("resources")).get("limits")).get("nvidia.com/gpu"));
        assertThrows(IllegalArgumentException.class, () -> KubernetesJob.of("Bad_Name", 2, "i", Path.of("/s"), Path.of("/o")));
    }
}
