package dev.erasure.erase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.train.Adam;
import dev.erasure.train.SeededRandom;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded random source, Gumbel-softmax sampler and the manual Adam. */
class SamplingPartsTest {

    @Test
    void randomStreamResumesFromItsState() {
        SeededRandom a = new SeededRandom(7);
        a.gaussians(5);
        a.nextInt(13);
        SeededRandom b = new SeededRandom(a.state());
        assertArrayEquals(a.gaussians(9), b.gaussians(9));
        assertEquals(a.nextInt(3, 17), b.nextInt(3, 17));
    }

    @Test
    void hardGumbelIsOneHotForwardAndSoftBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pi = m.create(new float[] {0.1f, 0.5f, -0.2f, 0.3f}, new Shape(1, 4));
            pi.setRequiresGradient(true);
            float[] u = {0.3f, 0.6f, 0.9f, 0.2f};
            NDArray coeff = m.create(new float[] {1f, 2f, 3f, 4f}, new Shape(1, 4));
            float[] gHard;
            float[] gSoft;
            GumbelSoftmax.Sample hard;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                hard = GumbelSoftmax.sample(pi, u, 2f, true);
                gc.backward(hard.weights().mul(coeff).sum());
            }
            gHard = pi.getGradient().toFloatArray();
            JniUtils.zeroGrad((PtNDArray) pi);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                GumbelSoftmax.Sample soft = GumbelSoftmax.sample(pi, u, 2f, false);
                gc.backward(soft.weights().mul(coeff).sum());
            }
            gSoft = pi.getGradient().toFloatArray();
            float[] w = hard.weights().toFloatArray();
            double[] g = new double[4];
            int arg = 0;
            for (int i = 0; i < 4; i++) {
                g[i] = pi.toFloatArray()[i] - Math.log(-Math.log(u[i] + 1e-10) + 1e-10);
                if (g[i] > g[arg]) arg = i;
            }
            assertEquals(arg, hard.index(), "Gumbel-max index");
            for (int i = 0; i < 4; i++) assertEquals(i == arg ? 1f : 0f, w[i], 1e-6f);
            assertArrayEquals(gSoft, gHard, 1e-7f, "straight-through: hard and soft give the same dπ");
            assertTrue(Math.abs(gHard[0]) > 0);
        }
    }

    /** Torch Adam on f(p) = Σ p², replayed in double. */
    @Test
    void adamMatchesTorchFormula() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1f, -2f, 0.5f});
            p.setRequiresGradient(true);
            Adam adam = new Adam(Map.of("p", p), 0.1, m);
            double[] ref = {1, -2, 0.5};
            double[] mm = new double[3];
            double[] vv = new double[3];
            for (int step = 1; step <= 5; step++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(p.square().sum());
                }
                adam.step();
                for (int i = 0; i < 3; i++) {
                    double g = 2 * ref[i];
                    mm[i] = 0.9 * mm[i] + 0.1 * g;
                    vv[i] = 0.999 * vv[i] + 0.001 * g * g;
                    double denom = Math.sqrt(vv[i]) / Math.sqrt(1 - Math.pow(0.999, step)) + 1e-8;
                    ref[i] -= 0.1 / (1 - Math.pow(0.9, step)) * mm[i] / denom;
                }
                float[] got = p.toFloatArray();
                for (int i = 0; i < 3; i++) assertEquals(ref[i], got[i], 1e-5, "step " + step);
                assertEquals(0f, p.getGradient().abs().sum().getFloat(), "gradient zeroed after the step");
            }
            assertEquals(5, adam.stepCount());
        }
    }
}
