package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The batch operations the erasure methods apply to a UNet conditioning (SD's and SDXL's alike). */
class ConditioningTest {
    @Test
    void mixWeighsPromptAndPooledEmbeddingsAlikeAndKeepsOneImageSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray embeds = m.create(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, new Shape(2, 2, 2));
            NDArray pooled = m.create(new float[] {1, 2, 100, 200}, new Shape(2, 2));
            NDArray ids = SizeConditioning.of(64, 96).timeIds(m, 2);
            Conditioning mixed = new Conditioning(embeds, pooled, ids).mix(m.create(new float[] {0.25f, 0.75f}, new Shape(1, 2)));
            assertEquals(new Shape(1, 2, 2), mixed.promptEmbeds().getShape());
            assertArrayEquals(new float[] {7.75f, 15.5f, 23.25f, 31f}, mixed.promptEmbeds().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {75.25f, 150.5f}, mixed.pooled().toFloatArray(), 1e-4f);
            assertArrayEquals(new float[] {64, 96, 0, 0, 64, 96}, mixed.timeIds().toFloatArray());

            Conditioning sd = Conditioning.of(embeds).mix(m.create(new float[] {1f, 0f}, new Shape(1, 2)));
            assertNull(sd.pooled());
            assertArrayEquals(new float[] {1, 2, 3, 4}, sd.promptEmbeds().toFloatArray());
        }
    }

    @Test
    void rowsAndConcatAreInverse() {
        try (NDManager m = NDManager.newBaseManager()) {
            Conditioning c = new Conditioning(m.arange(12f).reshape(3, 2, 2), m.arange(6f).reshape(3, 2),
                    SizeConditioning.of(8, 8).timeIds(m, 3));
            Conditioning back = Conditioning.concat(c.rows(0, 1), c.rows(1, 2), c.rows(2, 3));
            assertArrayEquals(c.promptEmbeds().toFloatArray(), back.promptEmbeds().toFloatArray());
            assertArrayEquals(c.pooled().toFloatArray(), back.pooled().toFloatArray());
            assertEquals(new Shape(3, 6), back.timeIds().getShape());
            assertEquals(new Shape(1, 2), c.rows(1, 2).pooled().getShape());
        }
    }
}
