package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.core.Preserve;
import dev.erasure.sd.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NaN/∞ settings are refused before compute; a run whose loss stops being finite stops, its last checkpoint finite. */
class NonFiniteTest extends TinyModels {
    private static Erasure tiny() {
        return tinyErasure();
    }

    @Test
    void nonFiniteSettingsAreRefused() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertMessage("startGuidance must be a finite number", () -> tiny().startGuidance(bad).settings());
            assertMessage("negativeGuidance must be a finite number", () -> tiny().negativeGuidance(bad).settings());
            assertMessage("learningRate", () -> tiny().learningRate(bad).settings());
            assertMessage("temperature", () -> tiny().preserve(Preserve.adversarial(2).kClosest(4).temperature(bad)).settings());
        }
    }

    @Test
    void aDivergingRunStopsAndKeepsTheLastFiniteCheckpoint(@TempDir Path dir) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> tiny().learningRate(1e30).steps(20).checkpointEvery(1, dir).run().close());
        assertTrue(e.getMessage().contains("became") && e.getMessage().contains(dir.toString()), e.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            for (NDArray a : Safetensors.load(Checkpoints.latest(dir).resolve("trainable.safetensors"), m).values()) {
                assertTrue(a.isInfinite().logicalOr(a.isNaN()).none().getBoolean(), "non-finite weights in the checkpoint");
            }
        }
    }
}
