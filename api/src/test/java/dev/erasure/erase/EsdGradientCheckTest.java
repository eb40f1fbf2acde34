package dev.erasure.erase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.erasure.Erasure;
import dev.erasure.core.Params;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.train.Tensors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autograd gradient of the ESD loss w.r.t. one trained weight (a cross-attention K matrix)
 * against a central finite difference along the gradient direction, where it must equal ‖∇L‖.
 *
 * <p>Tolerance: the UNet runs in float32 only (it rejects float64), so the loss L ≈ 5e-4 carries a
 * rounding error of ≈ 1e-7·L (more with 2 threads, whose reductions round differently). The central
 * quotient's error is ≈ 1e-7·L/(2h) (rounding) plus O(h²) (truncation: measured 2.4e-2 relative at
 * h = 1e-3·‖w‖). Small h trades truncation for rounding (2e-3 at h = 1e-4·‖w‖ with 1 thread, 2.8e-2
 * with 2), so the test keeps h = 1e-3·‖w‖, where rounding is ≈ 1e-4, and removes the h² term by
 * Richardson extrapolation over h and h/2. The remaining error is O(h⁴) + 1.7× rounding, well under
 * the 1e-2 relative tolerance, while a wrong gradient (a missing factor, a wrong tensor) is off by O(1).
 */
class EsdGradientCheckTest {
    private static final String KEY = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";

    /** (L(w + h·u) − L(w − h·u)) / 2h, restoring w afterwards. */
    private static double centralDifference(Esd esd, Esd.Sample x, NDArray p, NDArray unit, double h) {
        NDArray orig = Tensors.copyOf(p);
        p.addi(unit.mul((float) h));
        double plus = esd.loss(x).getFloat();
        p.set(new NDIndex("..."), orig);
        p.subi(unit.mul((float) h));
        double minus = esd.loss(x).getFloat();
        p.set(new NDIndex("..."), orig);
        return (plus - minus) / (2 * h);
    }

    @Test
    void esdLossGradientMatchesCentralDifference() {
        try (StableDiffusion sd = TinyModels.load()) {
            ErasureModel model = new SdErasureModel(sd);
            Settings settings = Erasure.of(model).target("church").train(Params.crossAttention())
                    .latentSize(8).ddimSteps(5).seed(3).steps(1).settings();
            try (Session s = new Session(model, settings); NDScope scope = new NDScope()) {
                Esd esd = new Esd(s);
                Esd.Sample x = esd.draw();
                NDArray p = s.trainable().tensors().get(KEY);
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = esd.loss(x);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                NDArray grad = Tensors.copyOf(p.getGradient());
                double gradNorm = grad.norm().getFloat();
                assertTrue(gradNorm > 0 && loss > 0, "nonzero loss and gradient");
                NDArray unit = grad.div((float) gradNorm);
                double h = 1e-3 * p.norm().getFloat();
                double coarse = centralDifference(esd, x, p, unit, h);
                double fine = centralDifference(esd, x, p, unit, h / 2);
                double richardson = (4 * fine - coarse) / 3; // cancels the O(h²) term
                double errCoarse = Math.abs(coarse - gradNorm) / gradNorm;
                double err = Math.abs(richardson - gradNorm) / gradNorm;
                assertTrue(err < 1e-2, "Richardson-extrapolated central difference within 1% of ‖∇L‖: " + err
                        + " (plain central difference at h: " + errCoarse + ")");
            }
        }
    }
}
