package dev.erasure.sd.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Nn#scalar} gives exact gradients through a scalar product even when the Java heap churns
 * between forward and backward. (With DJL's {@code x.mul(0.17f)} the same loop gave wrong or NaN
 * gradients in about half of the iterations: the scalar's buffer is freed before backward reads it.)
 */
class NnScalarGradientTest {
    @Test
    void scalarProductGradientSurvivesGarbageCollection() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(16, 16));
            x.setRequiresGradient(true);
            for (int it = 0; it < 20; it++) {
                try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = x.mul(Nn.scalar(x, 0.17f));
                    for (int k = 0; k < 500; k++) m.create(new float[] {k, 1f, 2f, 3f}).close();
                    System.gc();
                    gc.backward(y.sum());
                }
                try (NDScope s = new NDScope()) {
                    NDArray g = x.getGradient();
                    assertEquals(0.17f, g.max().getFloat(), 1e-7f, "iteration " + it);
                    assertEquals(0.17f, g.min().getFloat(), 1e-7f, "iteration " + it);
                    JniUtils.zeroGrad((PtNDArray) x);
                }
            }
        }
    }
}
