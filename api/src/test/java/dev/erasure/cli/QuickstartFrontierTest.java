package dev.erasure.cli;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import dev.erasure.toy.Concept;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.ShapeWorld;
import dev.erasure.toy.ShapeWorldEval;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quickstart's trade-off curves on the shipped ShapeWorld model at a tiny scale: every method at 0, ¼, ½ and
 * all of its iterations (one chained run per method, the methods side by side on their own threads), the last point
 * taken from the main comparison, the ¼ point equal to a separate run's, and the Pareto flags the non-dominated points.
 */
class QuickstartFrontierTest {
    @Test
    void curvesHoldEveryStrengthAndTheParetoFront() {
        Path dir = Fixtures.repositoryRoot().resolve("models/shapeworld");
        try (StableDiffusion sd = StableDiffusion.load(dir)) {
            ConceptClassifier judge = ConceptClassifier.load(dir.resolve("classifier"), sd.manager());
            ShapeWorld world = new ShapeWorld(ShapeWorld.DEFAULT_SIZE);
            List<Concept> shapes = ShapeWorldEval.shapeAndColourConcepts(world).stream().filter(c -> c.prompt().startsWith("a ")).toList();
            ShapeWorldEval eval = new ShapeWorldEval(judge, 2, 10, 3f);
            Erasure base = Erasure.of(sd).target("circle").train(Params.crossAttention()).ddimGrid(10).learningRate(1e-3).seed(1);
            Erasure eap = base.vocabulary(Vocabulary.of(List.of("circle", "square", "ring", "star"))).preserve(Preserve.adversarial(2).kClosest(3));
            Map<String, Erasure> methods = new LinkedHashMap<>();
            methods.put("ESD", base);
            methods.put("EAP", eap);
            Map<String, Map<Integer, Table>> partial = new LinkedHashMap<>();
            Map<String, ErasureResult> results = ShapeWorldQuickstart.erase(methods, 8, eval, shapes, "circle", partial, System.nanoTime());
            Map<String, StableDiffusion> models = new LinkedHashMap<>();
            models.put("original", sd);
            results.forEach((m, r) -> models.put(m, r.model()));
            Table full = eval.compare(models, shapes);
            assertEquals(full.print(), ShapeWorldQuickstart.compare(eval, models, shapes).print(), "models judged side by side = one after the other");
            results.values().forEach(ErasureResult::close);
            Table points = ShapeWorldQuickstart.frontier("circle", full, 8, partial);
            assertEquals(List.of("ESD", "EAP", "ESD", "ESD", "ESD", "EAP", "EAP", "EAP"), points.stringColumn("method").asList());
            assertEquals(List.of(0, 0, 2, 4, 8, 2, 4, 8), points.intColumn("iterations").asList());
            Table esdFull = ShapeWorldQuickstart.scoreTable(full.select("concept", "ESD"), "circle");
            assertEquals(esdFull.doubleColumn("ESR-1 %").get(0), points.doubleColumn("ESR-1 %").get(4), "the last point is the main run's");
            try (var esd2 = base.iterations(2).run()) {
                Table two = ShapeWorldQuickstart.scoreTable(eval.compare(Map.of("ESD", esd2.model()), shapes), "circle");
                assertEquals(two.doubleColumn("ESR-1 %").get(0), points.doubleColumn("ESR-1 %").get(2), "ESD at ¼ = a separate 2-iteration run");
                assertEquals(two.doubleColumn("PSR-1 %").get(0), points.doubleColumn("PSR-1 %").get(2));
            }
            double[] x = points.doubleColumn("ESR-1 %").asDoubleArray();
            double[] y = points.doubleColumn("PSR-1 %").asDoubleArray();
            for (int i = 0; i < x.length; i++) {
                boolean dominated = false;
                for (int j = 0; j < x.length; j++) {
                    if (x[j] >= x[i] && y[j] >= y[i] && (x[j] > x[i] || y[j] > y[i])) dominated = true;
                }
                if (dominated) assertEquals(false, points.booleanColumn("Pareto").get(i), "row " + i + " is dominated");
            }
            assertTrue(points.booleanColumn("Pareto").countTrue() > 0, "some point is on the front");
            assertNotNull(ShapeWorldQuickstart.frontierChart(points, "circle"));
        }
    }

    @Test
    void aFailedTaskReleasesTheOthersResultsAndRethrows() {
        java.util.List<String> released = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, java.util.concurrent.Callable<String>> tasks = new LinkedHashMap<>();
        tasks.put("a", () -> "A");
        tasks.put("b", () -> { throw new IllegalArgumentException("b broke"); });
        tasks.put("c", () -> "C");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ShapeWorldQuickstart.sideBySide(tasks, released::add));
        assertEquals("b broke", e.getMessage());
        assertEquals(java.util.Set.of("A", "C"), java.util.Set.copyOf(released), "what the others made is released");
        Map<String, java.util.concurrent.Callable<String>> fine = new LinkedHashMap<>();
        fine.put("x", () -> "X");
        fine.put("y", () -> "Y");
        assertEquals(List.of("X", "Y"), List.copyOf(ShapeWorldQuickstart.sideBySide(fine, released::add).values()), "task order");
    }
}
