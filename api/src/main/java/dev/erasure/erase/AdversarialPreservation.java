package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
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
 * EAP, erasing with adversarial preservation (train_adversarial_gumbel.py, methods.md §2.1–2.3).
 *
 * <p>Before training: one {@link CandidateSet} of ≤ K words per target, their text states R_w, and
 * π_w = 1/K (trainable, one Adam with lr {@code gumbel_lr} for all π, kept for the whole run).
 * Loop i = 0 … P·steps−1, in this order: w ~ U(targets); Gumbel uniforms; k, t; x_T;
 * c_r = G(π_w)·R_w; z_e = GenLatent(θ, c_e), z_r = GenLatent(θ, c_r) (same x_T, k; one batched trajectory); frozen
 * ε*_∅(z_e), ε*_e(z_e), ε*_r(z_r); trained ε_e(z_e, c_e), ε_r(z_r, c_r); x0-space losses with
 * a = ᾱ(τ_k) (or ε-space ones, {@link Preserve.LossSpace#EPSILON}: the same formulas without X): L_erase = MSE(X(z_e,ε_e), X(z_e,ε*_∅) − η(X(z_e,ε*_e) − X(z_e,ε*_∅))),
 * L_pres = MSE(X(z_r,ε_r), X(z_r,ε*_r)). If i mod P = 0: Adam on θ with L_erase + L_pres (λ = 1);
 * else Adam on π with −L_pres (gradient ascent; the gradient reaches π only through c_r and the
 * straight-through softmax). Adversary iterations skip z_e and the erase loss, which cannot
 * affect π's gradient, and record no θ gradient.
 */
public final class AdversarialPreservation implements EsdFamilyMethod<AdversarialPreservation.Step> {
    /** The name of its runs' histories and results. */
    static final String NAME = "EAP";

    /** Phase of an iteration that updates θ; the others update π. */
    public static final String MODEL_PHASE = "model";

    private final Session s;
    private final EsdFamily family;
    private final Preserve.Adversarial cfg;
    private final List<CandidateSet> candidates = new ArrayList<>();
    private final List<Conditioning> candidateConditions = new ArrayList<>();
    private final List<NDArray> pis = new ArrayList<>();
    private final Adam piAdam;
    private float[] lastAdversaryGradient = new float[0];

    /**
     * One EAP loop iteration.
     *
     * @param phase       "model" (θ update) or "adversary" (π update)
     * @param gridIndex   GenLatent grid index (methods.md's k)
     * @param t           timestep the UNets were queried at
     * @param adversarial the concept sampled from π (the hard Gumbel sample)
     * @param pi          softmax(π) of the target's candidates after this iteration
     * @param piEntropy   the entropy of {@code pi} in nats (ln K: uniform, 0: one candidate), derived
     *                    from {@code pi} by the constructor whatever is passed: whether π learns
     */
    public record Step(int iteration, int step, String phase, String target, int gridIndex, int t, Map<String, Double> losses,
                       String adversarial, double[] pi, double piEntropy) implements StepRecord {
        public Step {
            piEntropy = GumbelSoftmax.entropy(pi);
        }

        /** A step whose π entropy is computed from {@code pi}. */
        public Step(int iteration, int step, String phase, String target, int gridIndex, int t, Map<String, Double> losses,
                    String adversarial, double[] pi) {
            this(iteration, step, phase, target, gridIndex, t, losses, adversarial, pi, 0);
        }

        @Override
        public boolean updatesModel() {
            return MODEL_PHASE.equals(phase);
        }

        @Override
        public String status() {
            return phase + ": " + target + " vs " + adversarial;
        }
    }

    /** EAP as {@code family} configures it (its {@link Preserve.Adversarial} and candidate vocabulary). */
    public AdversarialPreservation(Session session, EsdFamily family) {
        this.s = session;
        this.family = family;
        this.cfg = (Preserve.Adversarial) family.preserve();
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (String target : session.settings().targets()) {
            CandidateSet set = CandidateSet.build(session.model(), target, family.vocabularyOrDefault(),
                    cfg.kClosest(), cfg.k(), session.settings().compat(),
                    session.settings().targets());
            candidates.add(set);
            candidateConditions.add(session.keep(session.condition(set.words())));
            NDArray pi = session.manager().full(new Shape(1, set.size()), 1f / set.size());
            pi.setRequiresGradient(true);
            params.put("pi." + pis.size(), pi);
            pis.add(pi);
        }
        this.piAdam = new Adam(params, cfg.learningRate(), session.manager());
    }

    @Override
    public EsdFamily family() {
        return family;
    }

    @Override
    public int iterationsPerStep() {
        return cfg.pgdSteps();
    }

    @Override
    public List<CandidateSet> candidates() {
        return candidates;
    }

    /** π_w (live). */
    public NDArray pi(int target) {
        return pis.get(target);
    }

    /** c_r = G(π_w)·R_w, on every part of the conditioning (SDXL: prompt and pooled embeddings alike). */
    private Conditioning adversarialConditioning(GumbelSoftmax.Sample g, int w) {
        return candidateConditions.get(w).mix(g.weights());
    }

    @Override
    public Step iterate(int iteration) {
        boolean modelStep = iteration % cfg.pgdSteps() == 0;
        s.adam().zeroGrad();
        piAdam.zeroGrad();
        try (NDScope scope = new NDScope()) {
            int w = s.random().nextInt(pis.size());
            NDArray pi = pis.get(w);
            float[] u = s.random().uniforms((int) pi.getShape().get(1));
            int[] kt = s.drawTimestep();
            int k = kt[0];
            int t = kt[1];
            NDArray noise = s.noise();
            Conditioning ce = s.target(w);
            float tau = (float) cfg.temperature();
            GumbelSoftmax.Sample g0 = GumbelSoftmax.sample(pi, u, tau, cfg.hard());
            Conditioning cr0 = adversarialConditioning(g0, w);
            // a model step needs both latents: one trajectory of batch 4 (target, adversarial; CFG halves)
            List<NDArray> z = modelStep ? s.genLatents(noise, k, ce, cr0) : List.of(s.genLatent(cr0, noise, k));
            NDArray ze = modelStep ? z.get(0) : null;
            NDArray zr = z.get(z.size() - 1);
            s.checkIfCancelled();
            NDArray frozenR;
            NDArray frozenU = null;
            NDArray frozenE = null;
            if (modelStep) {
                NDList f = Scopes.keepOnly(() -> s.frozenUnet().predict(Nn.cat(0, ze, ze, zr), t, Conditioning.concat(s.uncond(), ce, cr0)))
                        .split(3, 0);
                frozenU = f.get(0);
                frozenE = f.get(1);
                frozenR = f.get(2);
            } else {
                frozenR = Scopes.keepOnly(() -> s.frozenUnet().predict(zr, t, cr0));
            }
            GenLatent gl = s.sampler();
            Map<String, Double> losses = new LinkedHashMap<>();
            if (!modelStep) s.trainable().requireGradient(false);
            try (GradientCollector gc = Gradients.collector()) {
                GumbelSoftmax.Sample g = GumbelSoftmax.sample(pi, u, tau, cfg.hard());
                Conditioning cr = adversarialConditioning(g, w);
                s.checkIfCancelled();
                NDArray lPres;
                NDArray loss;
                if (modelStep) {
                    NDList out = s.trainedUnet().predict(Nn.cat(0, ze, zr), t, Conditioning.concat(ce, cr)).split(2, 0);
                    NDArray x0u = space(gl, ze, frozenU, k);
                    NDArray goal = x0u.sub(space(gl, ze, frozenE, k).sub(x0u).mul(s.settings().negativeGuidance()));
                    NDArray lErase = s.mse(space(gl, ze, out.get(0), k), goal);
                    lPres = s.mse(space(gl, zr, out.get(1), k), space(gl, zr, frozenR, k));
                    loss = lErase.add(lPres);
                    losses.put("loss", (double) loss.getFloat());
                    losses.put("erase", (double) lErase.getFloat());
                } else {
                    NDArray eps = s.trainedUnet().predict(zr, t, cr);
                    lPres = s.mse(space(gl, zr, eps, k), space(gl, zr, frozenR, k));
                    loss = lPres.neg();
                    losses.put("loss", (double) loss.getFloat());
                }
                losses.put("preserve", (double) lPres.getFloat());
                gc.backward(s.scaled(loss));
            } finally {
                if (!modelStep) s.trainable().requireGradient(true);
            }
            if (modelStep) {
                s.step();
            } else {
                boolean finite = s.unscaleGradients(piAdam);
                lastAdversaryGradient = pi.getGradient().toFloatArray();
                if (finite) piAdam.step();
            }
            int step = iteration / cfg.pgdSteps() + 1;
            return new Step(iteration, step, modelStep ? MODEL_PHASE : "adversary", s.settings().targets().get(w), k, t,
                    losses, candidates.get(w).words().get(g0.index()), GumbelSoftmax.distribution(pi));
        }
    }

    /**
     * A noise prediction in the loss space: the predicted x0 X(z, ε) (official) or ε itself. X is affine
     * in ε, so the erase goal built from projected predictions equals the projected ε-space goal.
     */
    private NDArray space(GenLatent gl, NDArray z, NDArray eps, int k) {
        return cfg.lossSpace() == Preserve.LossSpace.X0 ? gl.predictedX0(z, eps, k) : eps;
    }

    /** ∂(−L_pres)/∂π_w of the latest adversary iteration (what its Adam step used). */
    public float[] lastAdversaryGradient() {
        return lastAdversaryGradient.clone();
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>(piAdam.parameters());
        piAdam.state().forEach((k, v) -> out.put("adam." + k, v));
        out.put("adam.step", s.manager().create(new long[] {piAdam.stepCount()}));
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state) {
        for (int i = 0; i < pis.size(); i++) {
            NDArray saved = state.get("pi." + i);
            if (saved == null || !saved.getShape().equals(pis.get(i).getShape())) {
                throw new IllegalArgumentException("checkpoint has no π of shape " + pis.get(i).getShape() + " for target " + i
                        + " (candidate set changed?)");
            }
            Tensors.copyInto(pis.get(i), saved);
        }
        Map<String, NDArray> adam = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith("adam.") && !k.equals("adam.step")) adam.put(k.substring(5), v);
        });
        piAdam.restore(adam, state.get("adam.step").getLong(0));
    }
}
