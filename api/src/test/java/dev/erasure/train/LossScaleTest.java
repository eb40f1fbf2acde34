package dev.erasure.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** #16 GradScaler's dynamic loss scaling: unscale, skip and halve on overflow, double after the growth interval. */
class LossScaleTest {
    /** A parameter whose gradient is {@code values} (through a backward of Σ p·values). */
    private static NDArray withGradient(NDManager m, float... values) {
        NDArray p = m.zeros(new ai.djl.ndarray.types.Shape(values.length));
        p.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(p.mul(m.create(values)).sum());
        }
        return p;
    }

    @Test
    void unscalesFiniteGradientsAndGrowsAfterTheInterval() {
        try (NDManager m = NDManager.newBaseManager()) {
            LossScale s = LossScale.dynamic();
            assertEquals(65536f, s.scale());
            NDArray p = withGradient(m, 65536f, -131072f);
            assertTrue(s.unscale(List.of(p)));
            assertArrayEquals(new float[] {1f, -2f}, p.getGradient().toFloatArray(), 0f);
            for (int i = 1; i < LossScale.GROWTH_INTERVAL; i++) assertTrue(s.unscale(List.of(withGradient(m, 1f))));
            assertEquals(131072f, s.scale(), "doubled after " + LossScale.GROWTH_INTERVAL + " finite steps");
            assertEquals(0, s.goodSteps());
        }
    }

    @Test
    void anOverflowSkipsTheStepAndHalvesTheScale() {
        try (NDManager m = NDManager.newBaseManager()) {
            LossScale s = LossScale.dynamic();
            assertFalse(s.unscale(List.of(withGradient(m, 1f), withGradient(m, Float.POSITIVE_INFINITY))));
            assertFalse(s.unscale(List.of(withGradient(m, Float.NaN))));
            assertEquals(16384f, s.scale());
            assertEquals(2, s.skipped());
            assertEquals(0, s.goodSteps());
        }
    }

    @Test
    void noneChangesNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            LossScale s = LossScale.none();
            NDArray loss = m.create(3f);
            assertSame(loss, s.scaled(loss));
            NDArray p = withGradient(m, Float.NaN, 5f);
            assertTrue(s.unscale(List.of(p)), "full precision checks nothing");
            assertEquals(5f, p.getGradient().toFloatArray()[1]);
            assertEquals(1f, s.scale());
            assertEquals(DataType.FLOAT32, s.unscaled(p.getGradient()).getDataType());
        }
    }
}
