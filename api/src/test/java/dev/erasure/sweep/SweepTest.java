package dev.erasure.sweep;

import dev.erasure.Erasure;
import dev.erasure.core.Vocabulary;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.PngAssert;
import dev.erasure.viz.Charts;
import dev.erasure.viz.Pareto;
import dev.erasure.viz.SweepCharts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweeps of 1–2-step erasures on the tiny fixture (8×8 latents, 5-step DDIM grid). */
class SweepTest {
    private static StableDiffusion sd;
    private static Erasure base;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd());
        base = Erasure.of(sd).target("church").latentSize(8).ddimGrid(5).iterations(1).learningRate(1e-3)
                .vocabulary(Vocabulary.of(List.of("church", "dog", "tree", "car")));
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    /** Counts evaluations, i.e. finished runs. */
    private static Metric counting(AtomicInteger runs) {
        return Metric.of("run_number", r -> runs.incrementAndGet());
    }

    @Test
    void gridTableResumeAndProgress(@TempDir Path dir) throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Path csv = dir.resolve("sweep.csv");
        List<Progress> seen = new ArrayList<>();
        Sweep sweep = Sweep.over(base).grid("iterations", 1, 2).grid("learningRate", 1e-3, 1e-2)
                .metrics(Metric.finalLoss(), counting(runs)).resultsCsv(csv).onProgress(seen::add);
        Table t = sweep.run();
        assertEquals(4, t.rowCount());
        assertEquals(List.of("id", "iterations", "learningRate", "final_loss", "run_number", "loss_curve"), t.columnNames());
        assertEquals("iterations=1;learningRate=0.001", t.stringColumn("id").get(0));
        assertEquals(2.0, t.doubleColumn("iterations").get(3));
        assertEquals(4, runs.get());
        assertEquals(2, t.stringColumn("loss_curve").get(3).split(" ").length, "one loss per iteration");
        assertTrue(Double.isFinite(t.doubleColumn("final_loss").get(0)));
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i).done() >= seen.get(i - 1).done());
        assertEquals(4, seen.get(0).total());
        assertEquals(4, seen.get(seen.size() - 1).done());
        assertEquals(5, Files.readAllLines(csv).size(), "header + one row per configuration");

        Table again = sweep.run();
        assertEquals(4, runs.get(), "a finished configuration is never rerun");
        assertEquals(t.doubleColumn("final_loss").asList(), again.doubleColumn("final_loss").asList());

        Table more = Sweep.over(base).grid("iterations", 1, 2, 3).grid("learningRate", 1e-3, 1e-2)
                .metrics(Metric.finalLoss(), counting(runs)).resultsCsv(csv).run();
        assertEquals(6, more.rowCount());
        assertEquals(6, runs.get(), "only the two new configurations ran");

        Table plus = Sweep.over(base).grid("iterations", 1, 2, 3).grid("learningRate", 1e-3, 1e-2)
                .plus(Configuration.of(base.iterations(1).seed(9), Map.of("iterations", 1, "seed", 9, "learningRate", 1e-3)))
                .metrics(Metric.finalLoss(), counting(runs)).resultsCsv(dir.resolve("plus.csv")).run();
        assertEquals(7, plus.rowCount());
        assertEquals("iterations=1;learningRate=0.001;seed=9", plus.stringColumn("id").get(6), "Map.of keys in sorted order");
        assertEquals(List.of("id", "iterations", "learningRate", "seed", "final_loss", "run_number", "loss_curve"), plus.columnNames());
        assertTrue(plus.doubleColumn("seed").isMissing(0), "a grid row has no seed");
        assertEquals(9.0, plus.doubleColumn("seed").get(6));
    }

    @Test
    void explicitConfigurationsAndCharts(@TempDir Path dir) throws Exception {
        Table t = Sweep.of(List.of(
                        Configuration.of(base.seed(1), Map.of("seed", 1, "lr", 1e-3)),
                        Configuration.of(base.seed(2), Map.of("seed", 2, "lr", 1e-3)),
                        Configuration.of(base.seed(1).learningRate(1e-2), Map.of("seed", 1, "lr", 1e-2))))
                .metrics(Metric.finalLoss(), Metric.seconds()).run();
        assertEquals(3, t.rowCount());
        PngAssert.valid(Charts.png(SweepCharts.tradeoff(t, "final_loss", "seconds", Pareto.Goal.MIN, Pareto.Goal.MIN), dir.resolve("a.png")));
        PngAssert.valid(Charts.png(SweepCharts.metricVsParam(t, "lr", "final_loss", null), dir.resolve("b.png")));
        PngAssert.valid(Charts.png(SweepCharts.lossCurves(t), dir.resolve("c.png")));
    }

    @Test
    void theOlderAxisNamesStillSetTheirSettings() {
        List<Configuration> c = Sweep.over(base).grid("steps", 2, 3).grid("ddimSteps", 4).configurations();
        assertEquals(List.of(2, 3), c.stream().map(x -> x.erasure().iterations()).toList());
        assertEquals(List.of(4, 4), c.stream().map(x -> x.erasure().ddimGrid()).toList());
    }

    @Test
    void badSweepsAreRejected(@TempDir Path dir) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Sweep.over(base).grid("nope", 1));
        assertThrows(IllegalArgumentException.class, () -> Sweep.over(base).grid("iterations"));
        assertThrows(IllegalArgumentException.class, () -> Sweep.over(base).grid("iterations", "many").configurations());
        Path csv = dir.resolve("other.csv");
        Files.writeString(csv, "id,other\nx,1\n");
        assertThrows(IllegalArgumentException.class, () -> Sweep.over(base).grid("iterations", 1).resultsCsv(csv).run(),
                "a results file of another sweep is not overwritten");
    }

    /**
     * #17: a stop requested between iterations (SIGTERM on a cluster task) checkpoints the erasure in
     * hand beside the results file; the rerun resumes it and ends with the uninterrupted sweep's numbers.
     */
    @Test
    void aStoppedSweepCheckpointsTheErasureInHandAndTheRerunResumesIt(@TempDir Path dir) {
        Sweep whole = Sweep.over(base.iterations(6)).grid("learningRate", 1e-3, 1e-2).metrics(Metric.finalLoss())
                .resultsCsv(dir.resolve("whole.csv"));
        Table expected = whole.run();
        Cancellation token = Cancellation.current();
        List<String> messages = new ArrayList<>();
        ProgressListener stopAtThree = p -> {
            messages.add(p.message());
            if (p.done() == 3) token.requestStop(); // what Preemption does on SIGTERM
        };
        Path csv = dir.resolve("stopped.csv");
        Sweep stopped = Sweep.over(base.iterations(6).onProgress(stopAtThree)).grid("learningRate", 1e-3, 1e-2)
                .metrics(Metric.finalLoss()).resultsCsv(csv);
        Configuration first = stopped.configurations().get(0);
        try {
            assertThrows(CancelledException.class, stopped::run);
        } finally {
            token.reset();
        }
        Path ckpt = stopped.checkpointFolder(first);
        assertTrue(Files.exists(ckpt.resolve("latest")), "the erasure in hand was checkpointed in " + ckpt);
        messages.clear();
        Sweep rerun = Sweep.over(base.iterations(6).onProgress(p -> messages.add(p.message()))).grid("learningRate", 1e-3, 1e-2)
                .metrics(Metric.finalLoss()).resultsCsv(csv);
        Table resumed = rerun.run();
        assertTrue(messages.contains("resumed at step 3"), "the rerun resumed the first configuration: " + messages);
        for (String column : List.of("id", "final_loss", "loss_curve")) {
            assertEquals(expected.column(column).asList(), resumed.column(column).asList(), column + ": resumed = uninterrupted");
        }
        assertTrue(Files.notExists(ckpt), "a finished configuration's checkpoint is removed");
    }
}
