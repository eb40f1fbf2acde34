package dev.erasure.toy;

import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of tests on the shipped ShapeWorld model: loads it and its classifier once per test class. */
abstract class ShippedModel {
    static StableDiffusion sd;
    static ConceptClassifier judge;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(ShippedShapeWorldModelTest.MODEL);
        judge = ConceptClassifier.load(ShippedShapeWorldModelTest.MODEL.resolve("classifier"), sd.manager());
    }

    @AfterAll
    static void close() {
        sd.close();
    }
}
