package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import dev.erasure.toy.Concept.Attribute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped ShapeWorld model loads as a pixel-space pipeline and draws what two easy prompts ask for. */
class ShippedShapeWorldModelTest {
    static final Path MODEL = Fixtures.repositoryRoot().resolve("models/shapeworld");

    @Test
    void shippedModelDrawsTheColourAndShapeAskedFor() {
        try (NDManager m = NDManager.newBaseManager(); StableDiffusion sd = StableDiffusion.load(MODEL)) {
            assertNull(sd.vae());
            assertEquals(16, sd.defaultImageSize());
            ConceptClassifier judge = ConceptClassifier.load(MODEL.resolve("classifier"), m);
            List<Concept> prompts = List.of(new Concept(Attribute.COLOUR, "red"), new Concept(Attribute.SHAPE, "heart"));
            Table t = new ShapeWorldEval(judge, 8, 20, 3f).agreement(sd, prompts);
            // the model card reports 100 % for both on 32 seeds; 8 seeds must give at least 6
            for (double a : t.doubleColumn("agreement").asDoubleArray()) assertTrue(a >= 0.75, t.print());
        }
    }

    /**
     * The shipped weights reproduce their recorded per-prompt agreement (agreement-final.csv: 32 seeds,
     * 20 DDIM steps, CFG 3) for the prompts the model does not always get right, where a change in the
     * weights, the sampler or the classifier would show. Tolerance: one image in 32 (float rounding can
     * differ between thread counts and flip one borderline image).
     */
    @ParameterizedTest
    @ValueSource(strings = {"models/shapeworld", "models/shapeworld-scaled-linear"})
    void shippedModelReproducesItsRecordedAgreement(String folder) throws IOException {
        Path model = Fixtures.repositoryRoot().resolve(folder);
        Table recorded = Table.read().csv(model.resolve("agreement-final.csv").toString());
        Table hard = recorded.where(recorded.doubleColumn("agreement").isLessThan(1.0));
        assertTrue(hard.rowCount() >= 2, "the record has imperfect prompts to check: " + recorded.print());
        List<Concept> concepts = new ArrayList<>();
        for (int i = 0; i < hard.rowCount(); i++) concepts.add(Concept.named(hard.stringColumn("word").get(i)));
        try (NDManager m = NDManager.newBaseManager(); StableDiffusion sd = StableDiffusion.load(model)) {
            ConceptClassifier judge = ConceptClassifier.load(model.resolve("classifier"), m);
            Table now = new ShapeWorldEval(judge, 32, 20, 3f).agreement(sd, concepts);
            for (int i = 0; i < hard.rowCount(); i++) {
                assertEquals(hard.doubleColumn("agreement").get(i), now.doubleColumn("agreement").get(i), 1.0 / 32 + 1e-9,
                        "agreement of '" + hard.stringColumn("prompt").get(i) + "' (tolerance one image of 32)");
            }
        }
    }
}
