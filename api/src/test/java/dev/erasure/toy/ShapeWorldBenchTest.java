package dev.erasure.toy;

import dev.erasure.Erasure;
import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Metric;
import dev.erasure.toy.Concept.Attribute;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench on the shipped ShapeWorld model with a small N: table shapes, definitions, validation. */
class ShapeWorldBenchTest extends ShippedModel {
    @Test
    void smallBenchRunsEveryMethodOnEverySetWithProgress() {
        List<Progress> seen = new ArrayList<>();
        ProgressListener l = seen::add;
        ShapeWorldBench.Result r = ShapeWorld.bench(sd, judge)
                .eraseSets(List.of(List.of("circle"), List.of("square", "star")))
                .only("original", "ESD").imagesPerPrompt(2).sampling(4, 3).iterationsPerConcept(2).onProgress(l).run();
        Table t = r.perSet();
        assertEquals(List.of("method", "erase set", "ESR-1", "ESR-3", "PSR-1", "PSR-3", "worst kept", "images", "seconds"),
                t.columnNames());
        assertEquals(List.of("original", "ESD", "original", "ESD"), t.stringColumn("method").asList());
        assertEquals(List.of("circle", "circle", "square+star", "square+star"), t.stringColumn("erase set").asList());
        assertEquals(8 * 2, t.intColumn("images").get(0), "8 shape prompts × 2 images");
        for (String c : List.of("ESR-1", "ESR-3", "PSR-1", "PSR-3")) {
            for (double v : t.doubleColumn(c).asDoubleArray()) assertTrue(v >= 0 && v <= 100, c + " = " + v);
        }
        for (int i = 0; i < t.rowCount(); i++) {
            // top-3 contains top-1: erasure can only look better at k = 1, preservation only at k = 3
            assertTrue(t.doubleColumn("ESR-1").get(i) >= t.doubleColumn("ESR-3").get(i));
            assertTrue(t.doubleColumn("PSR-3").get(i) >= t.doubleColumn("PSR-1").get(i));
        }
        assertEquals(2, r.summary().rowCount());
        assertEquals(4, seen.get(seen.size() - 1).done(), "one progress unit per (method, set)");
        assertEquals(4, seen.get(seen.size() - 1).total());
    }

    @Test
    void originalRowsAgreeWithTheAgreementTable() {
        // ESR-1 of the original model = 1 − top-1 agreement on the erased prompt, PSR-1 = mean agreement on
        // the others; computed here by the independent ShapeWorldEval.agreement path.
        Table row = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("ring"))).only("original")
                .imagesPerPrompt(3).sampling(4, 3).run().perSet();
        List<Concept> shapes = ShapeWorld.standard().vocabulary().stream().filter(c -> c.attribute() == Attribute.SHAPE).toList();
        Table a = new ShapeWorldEval(judge, 3, 4, 3f).agreement(sd, shapes);
        double ring = a.where(a.stringColumn("word").isEqualTo("ring")).doubleColumn("agreement").get(0);
        double kept = a.where(a.stringColumn("word").isNotEqualTo("ring")).doubleColumn("agreement").mean();
        assertEquals(100 * (1 - ring), row.doubleColumn("ESR-1").get(0), 0.05, "rounded to 0.1");
        assertEquals(100 * kept, row.doubleColumn("PSR-1").get(0), 0.05, "rounded to 0.1");
    }

    @Test
    void sweepOfTheMethodsGivesTheBenchNumbers() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("star"))).only("original", "ESD")
                .imagesPerPrompt(2).sampling(4, 3).iterationsPerConcept(3);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        Table sweep = b.sweep(set).metrics(b.metrics(set).toArray(Metric[]::new)).run();
        Table bench = b.run().perSet();
        assertEquals(List.of("ESD"), sweep.stringColumn("method").asList(), "the original erases nothing: not a sweep row");
        for (String m : List.of("ESR-1", "ESR-3", "PSR-1", "PSR-3")) {
            assertEquals(bench.doubleColumn(m).get(1), sweep.doubleColumn(m).get(0), 0.05, m + " (the bench rounds to 0.1): same seed, same erasure, same images");
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void theBaseRunsTheIterationsOfEveryErasedConceptOnTheSamplingGrid() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("circle", "square"))).sampling(6, 3);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        assertEquals(2 * 100, b.base(set).iterations(), "default: 100 iterations per erased concept");
        assertEquals(2 * 7, b.iterationsPerConcept(7).base(set).iterations());
        assertEquals(2 * 5, b.stepsPerConcept(5).base(set).iterations(), "the deprecated name sets the same");
        assertEquals(6, b.base(set).ddimGrid(), "GenLatent's grid is the judged images' sampling steps");
    }

    @Test
    void eachColumnGetsOnlyTheSharedOptionsItsMethodReads() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("circle"))).sampling(6, 3).iterationsPerConcept(7);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        Erasure uce = b.erasure(ShapeWorldMethods.UCE, set);
        assertNull(uce.iterations(), "UCE's closed form reads no shared option");
        assertNull(uce.seed());
        assertEquals("UCE", uce.method().name());
        assertDoesNotThrow(uce::settings, "so UCE's column is not refused");
        Erasure ca = b.erasure(ShapeWorldMethods.CA, set);
        assertEquals(7, ca.iterations());
        assertNull(ca.ddimGrid(), "CA samples its anchors on its own grid");
        assertEquals(6, b.erasure(ShapeWorldMethods.ESD, set).ddimGrid());
        assertNull(b.erasure(ShapeWorldMethods.ORIGINAL, set));
        // AdvAnchor's θ updates are min(iterations, images): the bench's iterations (the frontier's strength) must govern
        Erasure anchor = b.iterationsPerConcept(400).erasure(ShapeWorldMethods.ADV_ANCHOR, set);
        assertEquals(400, anchor.iterations());
        assertTrue(((dev.erasure.erase.AdvAnchor) anchor.method()).images() >= 400, "no image cap below the iterations");
    }

    @Test
    void compareTableHasAColumnPerModelAndTheDropChartASeriesPerErasedModel() {
        ShapeWorldEval eval = new ShapeWorldEval(judge, 2, 4, 3f);
        List<Concept> two = List.of(Concept.named("star"), Concept.named("red"));
        Map<String, StableDiffusion> models = new LinkedHashMap<>();
        models.put("original", sd);
        models.put("same again", sd);
        Table t = eval.compare(models, two);
        assertEquals(List.of("concept", "original", "same again"), t.columnNames());
        assertEquals(List.of("star", "red"), t.stringColumn("concept").asList());
        assertEquals(t.doubleColumn("original").asList(), t.doubleColumn("same again").asList(), "same model, same seeds");
        CategoryChart c = ShapeWorldEval.dropChart(t, "drop");
        assertEquals(List.of("same again"), List.copyOf(c.getSeriesMap().keySet()));
        for (Number y : c.getSeriesMap().get("same again").getYData()) assertEquals(0.0, y.doubleValue(), 1e-12);
    }

    @Test
    void summaryIsMeanAndSampleStdPerMethod() {
        Table perSet = Table.create("t", StringColumn.create("method", "a", "b", "a", "b"),
                DoubleColumn.create("ESR-1", 90, 10, 100, 30), DoubleColumn.create("PSR-1", 50, 60, 70, 80));
        Table s = ShapeWorldBench.summary(perSet);
        assertEquals(List.of("a", "b"), s.stringColumn("method").asList());
        assertEquals(95.0, s.doubleColumn("ESR-1").get(0), 1e-9);
        assertEquals(Math.sqrt(50), s.doubleColumn("ESR-1 ±").get(0), 0.05); // sample std of {90, 100}, rounded to 0.1
        assertEquals(70.0, s.doubleColumn("PSR-1").get(1), 1e-9);
    }

    @Test
    void styleSetsKeepTheOtherStyleAndTheAskedAttributes() {
        List<ShapeWorldBench.EraseSet> sets = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("outlined")))
                .keep(Attribute.SHAPE).resolvedSets();
        ShapeWorldBench.EraseSet s = sets.get(0);
        assertEquals(List.of("outlined"), s.erasedWords());
        assertTrue(s.keptPrompts().contains("something solid"));
        assertTrue(s.keptPrompts().contains("a ring"));
        assertTrue(s.kept().stream().noneMatch(c -> c.attribute() == Attribute.COLOUR));
    }

    @Test
    void badSetsAreRejectedByName() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.eraseSets(List.of(List.of("circle", "hexagon"))).resolvedSets());
        assertTrue(e.getMessage().contains("'hexagon'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.eraseSets(List.of(List.of("circle", "red"))).resolvedSets());
        assertTrue(e.getMessage().contains("mixes attributes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.only("UCE++"));
        assertTrue(e.getMessage().contains("UCE++"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.methods(Map.of()));
    }
}
