package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.core.Preserve;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Adam;
import dev.erasure.train.Gradients;
import dev.erasure.train.Tensors;
import dev.erasure.sd.nn.Scopes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The continuous adversary of train_adversarial_pgd.py (methods.md §2.5), EAP's ablation baseline.
 * e_w starts at E(w) and persists. Each iteration: (a) model step on z_e (from c_e):
 * L = L_erase + weight·MSE(X(z_e, ε_θ(z_e,t,e_w)), X(z_e, ε*(z_e,t,e_w))), Adam on θ; (b) adversary:
 * new k, t, x_T, z = GenLatent(θ, c_e), then {@code pgdSteps} ascent steps on e_w:
 * g = ∇_e MSE(X(z, ε_θ(z,t,e)), X(z, ε*(z,t,e))) (frozen branch constant),
 * e ← e + lr·g/‖g‖_F·‖e‖_F, no projection. On SDXL e_w is the target's prompt embeddings (what
 * cross-attention reads) and the target's pooled embedding and time ids go with it unchanged.
 * Its iterations record what ESD's do ({@link Esd.Step}); the adversary's loss is one more loss column.
 */
public final class ContinuousAdversarial implements EsdFamilyMethod<Esd.Step> {
    /** The name of its runs' histories and results. */
    static final String NAME = "EAP-PGD";

    private final Session s;
    private final EsdFamily family;
    private final Preserve.Continuous cfg;
    private final List<NDArray> embeddings = new ArrayList<>();

    /** The family's continuous adversary ({@link Preserve.Continuous}) on a session. */
    ContinuousAdversarial(Session session, EsdFamily family) {
        this.s = session;
        this.family = family;
        this.cfg = (Preserve.Continuous) family.preserve();
        for (int i = 0; i < session.settings().targets().size(); i++) {
            embeddings.add(session.keep(Tensors.copyOf(session.target(i).promptEmbeds())));
        }
    }

    @Override
    public EsdFamily family() {
        return family;
    }

    @Override
    public Esd.Step iterate(int iteration) {
        s.adam().zeroGrad();
        GenLatent gl = s.sampler();
        try (NDScope scope = new NDScope()) {
            int w = s.random().nextInt(embeddings.size());
            NDArray e = embeddings.get(w);
            int[] kt = s.drawTimestep();
            Conditioning ce = s.target(w);
            NDArray ze = s.genLatent(ce, s.noise(), kt[0]);
            int k = kt[0];
            int t = kt[1];
            s.checkIfCancelled();
            NDList f = Scopes.keepOnly(() -> s.frozenUnet().predict(Nn.cat(0, ze, ze, ze), t, Conditioning.concat(s.uncond(), ce, ce.withPromptEmbeds(e))))
                    .split(3, 0);
            Map<String, Double> losses = new LinkedHashMap<>();
            try (GradientCollector gc = Gradients.collector()) {
                s.checkIfCancelled();
                NDList out = s.trainedUnet().predict(Nn.cat(0, ze, ze), t, Conditioning.concat(ce, ce.withPromptEmbeds(e))).split(2, 0);
                NDArray x0u = gl.predictedX0(ze, f.get(0), k);
                NDArray goal = x0u.sub(gl.predictedX0(ze, f.get(1), k).sub(x0u).mul(s.settings().negativeGuidance()));
                NDArray lErase = s.mse(gl.predictedX0(ze, out.get(0), k), goal);
                NDArray lPres = s.mse(gl.predictedX0(ze, out.get(1), k), gl.predictedX0(ze, f.get(2), k));
                NDArray loss = lErase.add(lPres.mul(Nn.scalar(lPres, (float) cfg.weight())));
                gc.backward(s.scaled(loss));
                losses.put("loss", (double) loss.getFloat());
                losses.put("erase", (double) lErase.getFloat());
                losses.put("preserve", (double) lPres.getFloat());
            }
            s.step();
            losses.put("adversary", attack(w, ce));
            return new Esd.Step(iteration, iteration + 1, s.settings().targets().get(w), k, t, losses);
        }
    }

    /** PGD ascent on e_w; returns the last preservation loss it saw. */
    private double attack(int w, Conditioning ce) {
        NDArray e = embeddings.get(w);
        GenLatent gl = s.sampler();
        int[] kt = s.drawTimestep();
        NDArray z = s.genLatent(ce, s.noise(), kt[0]);
        double last = Double.NaN;
        s.trainable().requireGradient(false);
        e.setRequiresGradient(true);
        try {
            for (int p = 0; p < cfg.pgdSteps(); p++) {
                try (NDScope scope = new NDScope()) {
                    s.checkIfCancelled();
                    NDArray frozen = Scopes.keepOnly(() -> gl.predictedX0(z, s.frozenUnet().predict(z, kt[1], ce.withPromptEmbeds(e)), kt[0]));
                    try (GradientCollector gc = Gradients.collector()) {
                        NDArray l = s.mse(gl.predictedX0(z, s.trainedUnet().predict(z, kt[1], ce.withPromptEmbeds(e)), kt[0]), frozen);
                        gc.backward(s.scaled(l)); // the step is g/‖g‖: the loss scale cancels
                        last = l.getFloat();
                    }
                    NDArray g = e.getGradient();
                    float gn = g.norm().getFloat();
                    float en = e.norm().getFloat();
                    if (gn > 0) e.addi(g.mul((float) (cfg.pgdLr() / gn * en)));
                    JniUtils.zeroGrad((PtNDArray) e);
                }
            }
        } finally {
            e.setRequiresGradient(false);
            s.trainable().requireGradient(true);
        }
        return last;
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < embeddings.size(); i++) out.put("embedding." + i, embeddings.get(i));
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state) {
        for (int i = 0; i < embeddings.size(); i++) {
            NDArray saved = state.get("embedding." + i);
            if (saved == null) throw new IllegalArgumentException("checkpoint lacks adversarial embedding " + i);
            Tensors.copyInto(embeddings.get(i), saved);
        }
    }
}
