package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agreement table: one row per prompt, fractions in [0,1], the mean per attribute. */
class ShapeWorldEvalTest {
    @Test
    void agreementTableHasOneRowPerPrompt(@TempDir Path dir) {
        ShapeWorld.train(TrainConfig.tiny(dir, 1), ProgressListener.NONE);
        List<Concept> concepts = List.of(new Concept(Attribute.SHAPE, "star"), new Concept(Attribute.COLOUR, "red"));
        try (NDManager m = NDManager.newBaseManager();
             StableDiffusion sd = StableDiffusion.load(dir.resolve("final"))) {
            ConceptClassifier c = ConceptClassifier.train(new ShapeWorld(8, 0.22, 0.35), m, 3, 1, 4);
            Table t = new ShapeWorldEval(c, 2, 2, 3f).agreement(sd, concepts);
            assertEquals(2, t.rowCount());
            assertEquals(List.of("a star", "something red"), t.stringColumn("prompt").asList());
            for (double a : t.doubleColumn("agreement").asDoubleArray()) assertTrue(a >= 0 && a <= 1, "agreement " + a);
            assertEquals(t.doubleColumn("agreement").get(0), ShapeWorldEval.mean(t, Attribute.SHAPE), 1e-12);
        }
    }
}
