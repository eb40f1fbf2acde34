package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.erasure.testing.Fixtures;
import dev.erasure.toy.Concept.Attribute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped ShapeWorld judge, and the classifier's save/load round trip. */
class ConceptClassifierTest {
    static final Path SHIPPED = Fixtures.repositoryRoot().resolve("models/shapeworld/classifier");

    @Test
    void shippedClassifierRecognisesHeldOutDrawings() {
        try (NDManager m = NDManager.newBaseManager()) {
            ConceptClassifier c = ConceptClassifier.load(SHIPPED, m);
            // held-out seed (training used 1001): 512 freshly drawn 16 px images
            Map<Attribute, Double> acc = c.accuracy(ShapeWorld.standard(), 31337, 512);
            assertTrue(acc.get(Attribute.SHAPE) >= 0.95, "shape accuracy " + acc);
            assertTrue(acc.get(Attribute.COLOUR) >= 0.95, "colour accuracy " + acc);
            assertTrue(acc.get(Attribute.BACKGROUND) >= 0.95, "background accuracy " + acc);
        }
    }

    @Test
    void savedClassifierPredictsTheSameAfterLoading(@TempDir Path dir) {
        ShapeWorld world = new ShapeWorld(8, 0.22, 0.35);
        try (NDManager m = NDManager.newBaseManager()) {
            ConceptClassifier trained = ConceptClassifier.train(world, m, 5, 2, 8);
            trained.save(dir, Map.of());
            ConceptClassifier loaded = ConceptClassifier.load(dir, m);
            try (NDScope s = new NDScope()) {
                var batch = ConceptClassifier.drawn(world, m, 9, 0, 16).getKey();
                Map<Attribute, int[]> a = trained.predict(batch);
                Map<Attribute, int[]> b = loaded.predict(batch);
                for (Attribute attr : Attribute.values()) assertArrayEquals(a.get(attr), b.get(attr), attr.name());
            }
        }
    }
}
