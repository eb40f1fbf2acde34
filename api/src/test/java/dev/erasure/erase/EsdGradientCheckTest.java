package dev.erasure.erase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.Erasure;
import dev.erasure.Params;
import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autograd gradient of the ESD loss w.r.t. one trained weight (a cross-attention K matrix)
 * against a central finite difference along the gradient direction, where it must equal ‖∇L‖.
 *
 * <p>Tolerance: the UNet runs in float32 only (it rejects float64), so the loss L ≈ 5e-4 carries a
 * rounding error of ≈ 1e-7·L. The central quotient's error is then ≈ 1e-7·L/(2h) (rounding) plus
 * O(h²) (truncation; measured 2.4e-2 relative at h = 1e-3·‖w‖, falling as h²). At h = 1e-4·‖w‖
 * both are a few 1e-4 relative (observed 2e-3), so 1e-2 relative is a margin of 5×, while a wrong
 * gradient (a missing factor, a wrong tensor) is off by O(1).
 */
class EsdGradientCheckTest {
    private static final String KEY = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";

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
                double[] errors = new double[2];
                double[] rels = {1e-3, 1e-4};
                for (int i = 0; i < rels.length; i++) {
                    double rel = rels[i];
                    double h = rel * p.norm().getFloat();
                    NDArray orig = Tensors.copyOf(p);
                    p.addi(unit.mul((float) h));
                    double plus = esd.loss(x).getFloat();
                    p.set(new ai.djl.ndarray.index.NDIndex("..."), orig);
                    p.subi(unit.mul((float) h));
                    double minus = esd.loss(x).getFloat();
                    p.set(new ai.djl.ndarray.index.NDIndex("..."), orig);
                    double fd = (plus - minus) / (2 * h);
                    errors[i] = Math.abs(fd - gradNorm) / gradNorm;
                }
                assertTrue(errors[1] < 1e-2, "central difference at h = 1e-4·‖w‖ within 1% of ‖∇L‖: " + errors[1]);
                assertTrue(errors[1] < errors[0], "the error shrinks with h (truncation-dominated): " + errors[0] + " → " + errors[1]);
            }
        }
    }
}
