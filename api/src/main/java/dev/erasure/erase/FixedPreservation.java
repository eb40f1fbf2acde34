package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.core.Preserve;
import dev.erasure.sd.Conditioning;
import dev.erasure.train.Gradients;
import dev.erasure.sd.nn.Scopes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ESD with a fixed preserved concept (train-esd-preserve.py, methods.md §2.6): the ESD loss plus
 * MSE(ε_θ(z_e,t,E(r)), ε*(z_e,t,E(r))) in ε-space on the target's latent, r drawn uniformly
 * from {preserved words, ""} after the ESD draws. {@code Preserve.neutral()} is r = "" only.
 */
public final class FixedPreservation implements EsdFamilyMethod<FixedPreservation.Step> {
    /** The name of its runs' histories and results. */
    static final String NAME = "ESD+preserve";

    private final Session s;
    private final EsdFamily family;
    private final Esd esd;
    private final List<String> pool;
    private final Conditioning pooled;

    /** One iteration: ESD's fields, the preserved concept r drawn from the pool and the losses (erase, preserve). */
    public record Step(int iteration, int step, String target, int gridIndex, int t, Map<String, Double> losses, String preserved)
            implements StepRecord {
        @Override
        public String status() {
            return target + ", keeping " + (preserved.isEmpty() ? "\"\"" : preserved);
        }
    }

    /** The family's fixed preservation ({@link Preserve.Fixed}) on a session. */
    FixedPreservation(Session session, EsdFamily family) {
        this.s = session;
        this.family = family;
        this.esd = new Esd(session, family);
        this.pool = ((Preserve.Fixed) family.preserve()).pool();
        this.pooled = session.keep(session.condition(pool));
    }

    @Override
    public EsdFamily family() {
        return family;
    }

    @Override
    public Step iterate(int iteration) {
        s.adam().zeroGrad();
        try (NDScope scope = new NDScope()) {
            Esd.Sample x = esd.draw();
            int r = s.random().nextInt(pool.size());
            Conditioning cr = pooled.rows(r, r + 1);
            s.checkIfCancelled();
            NDArray frozenR = Scopes.keepOnly(() -> s.frozenUnet().predict(x.latent(), x.t(), cr));
            double erase;
            double preserve;
            try (GradientCollector gc = Gradients.collector()) {
                NDArray lErase = esd.loss(x);
                s.checkIfCancelled();
                NDArray lPres = s.mse(s.trainedUnet().predict(x.latent(), x.t(), cr), frozenR);
                NDArray loss = lErase.add(lPres);
                gc.backward(loss);
                erase = lErase.getFloat();
                preserve = lPres.getFloat();
            }
            s.adam().step();
            Map<String, Double> losses = new LinkedHashMap<>();
            losses.put("loss", erase + preserve);
            losses.put("erase", erase);
            losses.put("preserve", preserve);
            return new Step(iteration, iteration + 1, s.settings().targets().get(x.target()), x.k(), x.t(),
                    losses, pool.get(r));
        }
    }
}
