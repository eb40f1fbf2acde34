package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.erasure.core.Compat;
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
 * One AdvAnchor run (methods.md §6). Loop iterations per θ step: 1 (alternating), 2 (sequential:
 * first all δ phases, then all θ steps) or innerSteps + 1 (cyclical: innerSteps passes of single δ
 * steps, then the θ steps). Random draws: δ's init, then per training sample (image latent on first
 * use, k, t, q_sample noise).
 */
final class AdvAnchorLoop implements ErasureMethod<AdvAnchor.Step> {

    private final Session s;
    private final AdvAnchor options;
    private final int images;
    private final int words;
    private final Conditioning concept;   // c_p = E("{p} painting") by default
    private final Conditioning generic;   // c_b = E("painting")
    private final Conditioning anchor;    // E("{p}'s painting"), δ added at p's positions
    private final Conditioning bare;      // E(p), for the training images
    private final NDArray delta;     // [1,m,D], requires gradient
    private final List<NDArray> latents = new ArrayList<>();
    private final boolean official;
    private boolean deltaGradientCarried; // official: a δ backward happened, the next one adds to its gradient

    /** A noised training latent with the frozen predictions of the concept and the generic prompt. */
    record Sample(int image, int k, int t, NDArray latent, NDArray conceptEps, NDArray genericEps) {
    }

    AdvAnchorLoop(Session s, AdvAnchor options) {
        this.s = s;
        this.options = options;
        this.images = s.settings().iterations();
        String p = s.settings().targets().get(0);
        this.words = words(p);
        Conditioning states = s.keep(s.condition(List.of(options.conceptPrompt(p), options.genericPrompt(), options.anchorPrompt(p), p)));
        this.concept = states.rows(0, 1);
        this.generic = states.rows(1, 2);
        this.anchor = states.rows(2, 3);
        this.bare = states.rows(3, 4);
        NDArray anchorStates = anchor.promptEmbeds();
        long d = anchorStates.getShape().get(2);
        float[] init = s.random().gaussians((int) (words * d));
        for (int i = 0; i < init.length; i++) init[i] *= (float) options.deltaInitScale();
        NDArray dl = s.manager().create(init, new Shape(1, words, d));
        this.delta = s.keep(dl.getDataType() == anchorStates.getDataType() ? dl : dl.toType(anchorStates.getDataType(), false));
        delta.setRequiresGradient(true);
        this.official = s.settings().compat() == Compat.OFFICIAL;
    }

    /** m = the number of space-separated words of the concept. */
    static int words(String concept) {
        return concept.strip().split("\\s+").length;
    }

    /** The settings with iterations = θ updates = min(iterations, images). */
    static Settings thetaIterations(Settings x, int images) {
        return x.iterations(Math.min(x.iterations(), images));
    }

    @Override
    public String name() {
        return "AdvAnchor";
    }

    @Override
    public int iterationsPerStep() {
        return switch (options.schedule()) {
            case ALTERNATING -> 1;
            case SEQUENTIAL -> 2;
            case CYCLICAL -> options.innerSteps() + 1;
        };
    }

    @Override
    public AdvAnchor.Step iterate(int i) {
        try (NDScope scope = new NDScope()) {
            int deltaIterations = (iterationsPerStep() - 1) * images;
            Map<String, Double> losses = new LinkedHashMap<>();
            Sample x;
            int step;
            String phase;
            if (options.schedule() == AdvAnchor.Schedule.ALTERNATING) {
                x = sample(i);
                losses.put("adversarial", deltaLoop(x, options.innerSteps()));
                losses.putAll(thetaStep(x));
                step = i + 1;
                phase = AdversarialPreservation.MODEL_PHASE;
            } else if (i < deltaIterations) {
                x = sample(i % images);
                boolean single = options.schedule() == AdvAnchor.Schedule.CYCLICAL;
                losses.put("adversarial", deltaLoop(x, single ? 1 : options.innerSteps()));
                step = 0;
                phase = "adversary";
            } else {
                x = sample(i - deltaIterations);
                losses.putAll(thetaStep(x));
                step = i - deltaIterations + 1;
                phase = AdversarialPreservation.MODEL_PHASE;
            }
            String target = s.settings().targets().get(0);
            return new AdvAnchor.Step(i, step, phase, target, x.image(), x.k(), x.t(), losses, options.anchorPrompt(target) + " + δ");
        }
    }

    /** z_t = q_sample(z0_image, t) with fresh k, t, noise, and the frozen ε*(c_p), ε*(c_b). Grad mode off. */
    Sample sample(int image) {
        NDArray z0 = latent(image);
        int[] kt = s.drawTimestep();
        float a = s.model().alphasCumprod()[kt[1]];
        NDArray zt = z0.mul(Nn.scalar(z0, (float) Math.sqrt(a))).add(s.noise().mul(Nn.scalar(z0, (float) Math.sqrt(1 - a))));
        s.checkIfCancelled();
        NDList eps = Scopes.keepOnly(() -> s.frozenUnet().predict(Nn.cat(0, zt, zt), kt[1], Conditioning.concat(concept, generic)))
                .split(2, 0);
        return new Sample(image, kt[0], kt[1], zt, eps.get(0), eps.get(1));
    }

    /** Training image i's clean latent: generated once by the frozen model from the bare prompt. */
    private NDArray latent(int image) {
        while (latents.size() <= image) {
            GenLatent full = new GenLatent(s.model().alphasCumprod(), s.settings().ddimGrid(), Compat.CORRECTED);
            NDArray noise = s.noise();
            NDArray z = full.run(GuidedNoise.cfg(s.frozenUnet(), bare, s.uncond(), (float) options.imageGuidance()), noise, 0);
            latents.add(s.keep(z));
        }
        return latents.get(image);
    }

    /**
     * c_adv(δ): the anchor's text states with δ added at positions 1..m. On SDXL δ perturbs the
     * prompt embeddings (both encoders' token states, what cross-attention reads) and the anchor's
     * pooled embedding and time ids are kept: the paper's δ is a token-embedding perturbation.
     */
    Conditioning adversarialConditioning() {
        NDArray a = anchor.promptEmbeds();
        return anchor.withPromptEmbeds(Nn.cat(1, a.get(new NDIndex(":, :1")), a.get(new NDIndex(":, 1:{}", 1 + words)).add(delta),
                a.get(new NDIndex(":, {}:", 1 + words))));
    }

    /** The adversarial loss of δ on a sample (differentiable in δ inside a collector). */
    NDArray adversarialLoss(Sample x) {
        s.checkIfCancelled();
        NDArray adv = s.frozenUnet().predict(x.latent(), x.t(), adversarialConditioning());
        NDArray product = options.loss() == AdvAnchor.Loss.PREDICTION ? adv.mul(x.conceptEps())
                : adv.sub(x.genericEps()).mul(x.conceptEps().sub(x.genericEps()));
        NDArray mean = product.mean();
        return mean.div(Nn.scalar(mean, 2f)); // ori_flag on: Σ_j w_j (...) / (1 + 1)
    }

    /**
     * Up to {@code maxSteps} δ steps with a fresh Adam (as the official code creates one per outer
     * step), stopping as soon as the loss is below zero; returns the last loss evaluated.
     */
    double deltaLoop(Sample x, int maxSteps) {
        Adam opt = new Adam(Map.of("delta", delta), options.deltaLearningRate(), s.manager());
        double last = Double.NaN;
        for (int j = 0; j < maxSteps; j++) {
            last = deltaStep(x, opt, true);
            if (last < 0) break;
        }
        opt.close();
        return last;
    }

    /** One δ update on x (skipped when {@code stopBelowZero} and the loss is < 0); returns the loss before it. */
    double deltaStep(Sample x, Adam opt, boolean stopBelowZero) {
        double value;
        try (NDScope scope = new NDScope(); GradientCollector gc = Gradients.collector()) {
            NDArray loss = adversarialLoss(x);
            value = loss.getFloat();
            if (stopBelowZero && value < 0) return value;
            gc.backward(loss);
        }
        opt.step(!official);
        deltaGradientCarried = official;
        return value;
    }

    /** One θ step: MSE(ε_θ(c_p), sg ε*(c_adv(δ))) + w·MSE(ε_θ(c_b), ε*(c_b)). */
    private Map<String, Double> thetaStep(Sample x) {
        NDArray anchorEps = Scopes.keepOnly(() -> s.frozenUnet().predict(x.latent(), x.t(), adversarialConditioning()));
        double erase;
        double preserve;
        double total;
        s.checkIfCancelled();
        try (GradientCollector gc = Gradients.collector()) {
            NDList eps = s.trainedUnet().predict(Nn.cat(0, x.latent(), x.latent()), x.t(), Conditioning.concat(concept, generic))
                    .split(2, 0);
            NDArray le = s.mse(eps.get(0), anchorEps);
            NDArray lp = s.mse(eps.get(1), x.genericEps());
            NDArray loss = le.add(lp.mul(Nn.scalar(lp, (float) options.preserveWeight())));
            gc.backward(loss);
            erase = le.getFloat();
            preserve = lp.getFloat();
            total = loss.getFloat();
        }
        s.adam().step(!official);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", total);
        out.put("erase", erase);
        out.put("preserve", preserve);
        return out;
    }

    /** The live perturbation δ [1,m,D]. */
    NDArray delta() {
        return delta;
    }

    /**
     * Beyond θ and its Adam: δ, its carried gradient (official), and the training latents generated so
     * far (their noise came from the RNG stream at first use, so they are kept, not regenerated).
     */
    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("delta", delta);
        if (deltaGradientCarried) out.put("delta.grad", delta.getGradient());
        for (int i = 0; i < latents.size(); i++) out.put("image." + i, latents.get(i));
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state) {
        NDArray saved = state.get("delta");
        if (saved == null) throw new IllegalArgumentException("checkpoint lacks AdvAnchor's δ");
        Tensors.copyInto(delta, saved);
        deltaGradientCarried = state.containsKey("delta.grad");
        if (deltaGradientCarried) Gradients.set(delta, state.get("delta.grad"));
        latents.forEach(NDArray::close);
        latents.clear();
        for (int i = 0; state.containsKey("image." + i); i++) latents.add(s.keep(Tensors.copyOf(state.get("image." + i))));
    }

    @Override
    public Map<String, String> configuration() {
        return options.configuration(s.settings());
    }
}
