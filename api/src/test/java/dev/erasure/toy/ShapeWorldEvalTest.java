package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
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
            // images to look at, one batch: the images sd.generate draws for those seeds (up to float rounding)
            ShapeWorldEval eval = new ShapeWorldEval(c, 2, 3, 3f);
            List<List<BufferedImage>> images = eval.images(sd, List.of("a star", "a ring"), 2, 8);
            assertEquals(2, images.size());
            for (int p = 0; p < 2; p++) {
                for (int seed = 0; seed < 2; seed++) {
                    BufferedImage one = sd.generate(Generation.of(List.of("a star", "a ring").get(p)).seed(seed).samplingSteps(3).guidance(3f).size(8, 8));
                    BufferedImage batched = images.get(p).get(seed);
                    int worst = 0;
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            for (int shift : new int[] {0, 8, 16}) {
                                worst = Math.max(worst, Math.abs((one.getRGB(x, y) >> shift & 255) - (batched.getRGB(x, y) >> shift & 255)));
                            }
                        }
                    }
                    assertTrue(worst <= 1, "prompt " + p + " seed " + seed + ": a channel differs by " + worst + "/255");
                }
            }
            assertTrue(!java.util.Arrays.equals(images.get(0).get(0).getRGB(0, 0, 8, 8, null, 0, 8),
                    images.get(0).get(1).getRGB(0, 0, 8, 8, null, 0, 8)), "seeds 0 and 1 differ");
        }
    }
}
