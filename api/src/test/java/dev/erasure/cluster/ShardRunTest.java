package dev.erasure.cluster;

import dev.erasure.Erasure;
import dev.erasure.eval.Protocol;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.sweep.Configuration;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A study (4-configuration sweep of 1–2-step erasures + a 5-image protocol on the tiny SD fixture) run in
 * 3 shards, one preempted by a real SIGTERM, merges into exactly what one process produces.
 */
class ShardRunTest {
    static Path writeStudy(Path dir) throws Exception {
        Files.writeString(dir.resolve("prompts.csv"), "prompt,evaluation_seed\na church,1\na dog,2\na tree,3\na car,4\na church at night,5\n");
        Files.writeString(dir.resolve("study.json"), """
                {"model": "%s",
                 "erasure": {"target": "church", "latentSize": 8, "ddimGrid": 5, "iterations": 1, "learningRate": 1e-3,
                             "vocabulary": ["church", "dog", "tree", "car"]},
                 "grid": {"iterations": [1, 2], "learningRate": [0.001, 0.01]},
                 "metrics": ["final_loss", "noise_cosine"], "keep": ["dog", "tree"],
                 "protocol": {"prompts": "prompts.csv", "samplingSteps": 3, "size": 64}}
                """.formatted(Fixtures.tinySd().toAbsolutePath().toString().replace("\\", "\\\\")));
        return dir.resolve("study.json");
    }

    @Test
    void shardedPreemptedAndMergedEqualsOneProcess(@TempDir Path tmp) throws Exception {
        Study study = Study.load(writeStudy(tmp));
        ResultsDir dir = new ResultsDir(tmp.resolve("results"));
        Table single;
        Protocol.Result singleImages;
        List<String> ids;
        try (StableDiffusion sd = StableDiffusion.load(study.model())) {
            single = study.sweep(sd).run();
            ids = study.sweep(sd).configurations().stream().map(Configuration::id).toList();
            singleImages = study.protocol().run(sd, tmp.resolve("single"));
        }
        assertEquals(4, single.rowCount());

        assertEquals(ShardRun.DONE, ShardRun.run(study, dir, Shard.of(0, 3), Map.of()));
        assertEquals(ShardRun.DONE, ShardRun.run(study, dir, Shard.of(1, 3), Map.of()));
        Merged partial = merge(study, dir);
        assertFalse(partial.complete());
        assertEquals(List.of(ids.get(2)), partial.missing(), "shard 2 owns configuration 2 of 4");
        assertEquals(3, partial.table().rowCount());
        assertEquals(List.of("2"), Merged.protocol(study.protocol(), dir).missing(), "and image 2 of 5");
        ClusterStatus waiting = ClusterStatus.read(dir);
        assertEquals(2, waiting.count(ShardStatus.DONE));
        assertEquals(1, waiting.count(ClusterStatus.PENDING));
        assertFalse(waiting.finished());

        // shard 2: SIGTERM after its configuration is saved, before its image
        Preemption.install();
        ProgressListener term = p -> {
            if (p.task().equals("sweep") && p.done() == 1) {
                Signal.raise(new Signal("TERM"));
                sleep(); // the handler runs on the signal thread
            }
        };
        Task.addGlobalListener(term);
        int code;
        try {
            code = ShardRun.run(study, dir, Shard.of(2, 3), Map.of("SLURM_JOB_ID", "77"));
        } finally {
            Task.removeGlobalListener(term);
        }
        assertEquals(ShardRun.PREEMPTED, code);
        ShardStatus stopped = ShardStatus.read(dir.statusFile(Shard.of(2, 3)));
        assertEquals(ShardStatus.PREEMPTED, stopped.state());
        assertEquals(1, stopped.done(), "the finished configuration is kept");
        assertEquals(2, stopped.total());
        assertEquals("77", stopped.job());
        assertEquals(List.of(), merge(study, dir).missing(), "configuration 2 was saved before the signal");

        assertEquals(ShardRun.DONE, ShardRun.run(study, dir, Shard.of(2, 3), Map.of()), "the requeued shard resumes");
        ShardStatus resumed = ShardStatus.read(dir.statusFile(Shard.of(2, 3)));
        assertEquals(2, resumed.attempt());
        assertEquals(1, resumed.doneAtStart(), "the saved configuration is not redone");
        ClusterStatus finished = ClusterStatus.read(dir);
        assertTrue(finished.finished(), finished.summary());
        assertEquals("3 shards: 3 done; 9/9 items", finished.summary());

        Merged merged = merge(study, dir);
        assertTrue(merged.complete() && merged.duplicates().isEmpty(), merged.summary());
        assertSameTable(single, merged.table());
        byte[] csv = Files.readAllBytes(dir.mergedSweepCsv());
        assertSameTable(single, merge(study, dir).table());
        assertArrayEquals(csv, Files.readAllBytes(dir.mergedSweepCsv()), "merge is idempotent");

        Merged images = Merged.protocol(study.protocol(), dir);
        assertTrue(images.complete(), images.summary());
        assertSameTable(singleImages.table(), images.table());
        for (String file : images.table().stringColumn("file")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("single").resolve(file)), Files.readAllBytes(images.output().resolve(file)), file);
        }

        // the same configuration with another result in a second output (a rerun with another shard count)
        List<String> lines = Files.readAllLines(dir.sweepCsv(Shard.of(0, 3)));
        String changed = lines.get(1).replaceFirst(",([0-9.E-]+),", ",12345.0,");
        Files.writeString(dir.sweepCsv(Shard.of(0, 2)), lines.get(0) + "\n" + changed + "\n");
        Merged conflicting = merge(study, dir);
        assertEquals(List.of(ids.get(0)), conflicting.duplicates());
        assertTrue(conflicting.summary().contains("conflicting duplicates"), conflicting.summary());
    }

    /** What a notebook's live status table reads: every reading until all shards are done, the last one finished. */
    @Test
    void watchingTheResultsFolderFollowsTheShardsToTheEnd(@TempDir Path tmp) throws Exception {
        Study study = Study.load(writeStudy(tmp));
        ResultsDir dir = new ResultsDir(tmp.resolve("results"));
        ExecutorService tasks = Executors.newFixedThreadPool(2);
        List<ClusterStatus> readings = new CopyOnWriteArrayList<>();
        ClusterStatus last;
        try {
            List<Future<Integer>> codes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Shard shard = Shard.of(i, 2);
                codes.add(tasks.submit(() -> ShardRun.run(study, dir, shard, Map.of())));
            }
            last = ClusterStatus.watch(dir, Duration.ofMillis(50), readings::add);
            for (Future<Integer> c : codes) assertEquals(ShardRun.DONE, c.get());
        } finally {
            tasks.shutdownNow();
        }
        assertTrue(last.finished(), last.summary());
        assertSame(last, readings.get(readings.size() - 1), "the last reading is handed over too");
        assertEquals("2 shards: 2 done; 9/9 items", last.summary());
        long[] done = readings.stream().mapToLong(r -> r.shards().stream().mapToLong(ShardStatus::done).sum()).toArray();
        for (int i = 1; i < done.length; i++) assertTrue(done[i] >= done[i - 1], "items done never go back: " + Arrays.toString(done));
        assertThrows(IllegalArgumentException.class, () -> ClusterStatus.watch(dir, Duration.ZERO, r -> { }));
    }

    @Test
    void badStudiesNameTheProblem(@TempDir Path tmp) throws Exception {
        Path study = writeStudy(tmp);
        Files.writeString(study, Files.readString(study).replace("\"latentSize\"", "\"latentSise\""));
        try (StableDiffusion sd = StableDiffusion.load(Study.load(study).model())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Study.load(study).sweep(sd));
            assertTrue(e.getMessage().contains("erasure.latentSise"), e.getMessage());
        }
        Files.writeString(study, Files.readString(study).replace("\"latentSise\"", "\"latentSize\""));
        assertEquals(3, Study.load(study).protocol().samplingSteps());
        // the keys of studies written before "steps" was split into iterations and sampling steps are still read
        Files.writeString(study, Files.readString(study).replace("\"ddimGrid\": 5, \"iterations\": 1", "\"ddimSteps\": 4, \"steps\": 2")
                .replace("\"samplingSteps\": 3", "\"steps\": 6").replace("\"grid\": {\"iterations\": [1, 2], ", "\"grid\": {"));
        assertEquals(6, Study.load(study).protocol().samplingSteps());
        try (StableDiffusion sd = StableDiffusion.load(Study.load(study).model())) {
            Erasure base = Study.load(study).sweep(sd).configurations().get(0).erasure();
            assertEquals(4, base.ddimGrid());
            assertEquals(2, base.iterations());
        }
        assertNull(Study.load(study).protocol().scheduler(), "no scheduler key: the model's own");
        Files.writeString(study, Files.readString(study).replace("\"size\": 64}", "\"size\": 64, \"scheduler\": \"LMS\"}"));
        assertEquals(SchedulerType.LMS, Study.load(study).protocol().scheduler());
        Files.writeString(study, Files.readString(study).replace("\"LMS\"", "\"pndm\""));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Study.load(study).protocol());
        assertTrue(bad.getMessage().contains("scheduler 'pndm'") && bad.getMessage().contains(study.toString()), bad.getMessage());
        Files.writeString(study, "{\"model\": \"x\"}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Study.load(study)).getMessage().contains("neither"));
        Files.writeString(study, "{\"model\": ");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Study.load(study)).getMessage().contains("not valid JSON"));
    }

    private static Merged merge(Study study, ResultsDir dir) {
        try (StableDiffusion sd = StableDiffusion.load(study.model())) {
            return Merged.sweep(study.sweep(sd), dir);
        }
    }

    /** Same columns, same types, same cells (exact: the shards compute the same floats). */
    static void assertSameTable(Table expected, Table actual) {
        assertEquals(expected.columnNames(), actual.columnNames());
        for (String c : expected.columnNames()) {
            assertEquals(expected.column(c).type(), actual.column(c).type(), c);
            assertEquals(expected.column(c).asList(), actual.column(c).asList(), c);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
