package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.erasure.core.Compat;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Adam;
import dev.erasure.train.Gradients;
import dev.erasure.train.SoftPrompt;
import dev.erasure.train.Tensors;
import dev.erasure.sd.nn.Scopes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One AdvUnlearn run (methods.md §5). Per iteration, random draws in this order: target w; if
 * attacking: (RANDOM init) k token ids, then per attack step k_t, t, x_T; then the defence's
 * k_t, t, x_T, the retain prompt indices and one x_T per retain prompt. E_orig (targets, retain prompts,
 * GenLatent conditioning, ESD targets) is always the original encoder; E_ϕ the trained one.
 */
final class AdvUnlearnLoop implements ErasureMethod<AdvUnlearn.Step> {

    private final Session s;
    private final AdvUnlearn options;
    private final ClipTextModel phi;
    private final Map<String, NDArray> trained; // θ = the session's text-encoder subset, Adam = the session's
    private final NDArray targetIds;
    private final NDArray targetEmbeddings;
    private final int vocabSize;
    private final List<String> retain;
    private final List<Integer> unseen = new ArrayList<>();
    private final StableDiffusion sd;
    private NDArray adversarial; // [k,D], kept in the session's manager

    AdvUnlearnLoop(Session s, StableDiffusion sd, AdvUnlearn options) {
        this.s = s;
        this.sd = sd;
        this.options = options;
        ClipTextModel original = sd.textEncoder();
        this.trained = s.trainedTextEncoder().tensors();
        this.phi = original.withWeights(s.trainedTextEncoder().overlay());
        this.targetIds = s.keep(sd.tokenIds(s.settings().targets()));
        this.targetEmbeddings = s.keep(original.tokenEmbedding(targetIds));
        this.vocabSize = original.config().vocabSize();
        this.retain = options.retainBatch() > 0 ? options.retainPrompts() : List.of();
        if (retain.size() < options.retainBatch()) {
            throw new IllegalArgumentException("retainBatch " + options.retainBatch() + " exceeds the " + retain.size()
                    + " retain prompts");
        }
    }

    @Override
    public String name() {
        return "AdvUnlearn";
    }

    @Override
    public AdvUnlearn.Step iterate(int i) {
        try (NDScope scope = new NDScope()) {
            int w = s.random().nextInt(s.settings().targets().size());
            double attackLoss = Double.NaN;
            boolean afterWarmup = i >= options.warmup();
            if (afterWarmup && i % options.attackEvery() == 0) attackLoss = attack(w);
            boolean useAdversarial = afterWarmup && adversarial != null;

            int[] kt = s.drawTimestep();
            NDArray ce = s.target(w).promptEmbeds();
            NDArray z = s.genLatent(Conditioning.of(ce), s.noise(), kt[0]);
            s.checkIfCancelled();
            NDList frozen = Scopes.keepOnly(() -> s.frozenUnet().predict(Nn.cat(0, z, z), kt[1], Conditioning.concat(s.uncond(), Conditioning.of(ce))))
                    .split(2, 0);
            NDArray e0 = frozen.get(0);
            NDArray goal = e0.sub(frozen.get(1).sub(e0).mul(s.settings().negativeGuidance()));
            Retain r = drawRetain(kt);

            double erase;
            double retainLoss = Double.NaN;
            double total;
            s.adam().zeroGrad();
            try (GradientCollector gc = Gradients.collector()) {
                NDArray cond = useAdversarial ? phi.forwardEmbeddings(SoftPrompt.prefix(targetEmbeddings.get(w).expandDims(0), adversarial))
                        : phi.forward(targetIds.get(new NDIndex("{}:{}", w, w + 1)));
                NDArray lu = s.mse(s.frozenUnet().predict(z, kt[1], Conditioning.of(cond)), goal);
                NDArray loss = lu;
                if (r != null) {
                    NDArray lr = s.mse(s.frozenUnet().predict(r.latents, kt[1], Conditioning.of(phi.forward(r.ids))), r.goal);
                    loss = lu.add(lr.mul(Nn.scalar(lr, (float) options.retainWeight())));
                    retainLoss = lr.getFloat();
                }
                gc.backward(loss);
                erase = lu.getFloat();
                total = loss.getFloat();
            }
            s.adam().step();
            Map<String, Double> losses = new LinkedHashMap<>();
            losses.put("loss", total);
            losses.put("erase", erase);
            if (r != null) losses.put("retain", retainLoss);
            if (!Double.isNaN(attackLoss)) losses.put("attack", attackLoss);
            return new AdvUnlearn.Step(i, i + 1, s.settings().targets().get(w), kt[0], kt[1], losses,
                    useAdversarial ? "prefix soft prompt ×" + options.adversarialTokens() : "");
        }
    }

    /** Retain latents, ids and frozen targets for this iteration, or null without a retain term. */
    private record Retain(NDArray latents, NDArray ids, NDArray goal) {
    }

    private Retain drawRetain(int[] kt) {
        int n = options.retainBatch();
        if (n == 0) return null;
        if (unseen.size() < n) {
            unseen.clear();
            for (int j = 0; j < retain.size(); j++) unseen.add(j);
        }
        List<String> prompts = new ArrayList<>();
        for (int j = 0; j < n; j++) prompts.add(retain.get(unseen.remove(s.random().nextInt(unseen.size()))));
        NDArray cond = s.model().encode(prompts);
        NDArray[] latents = new NDArray[n];
        for (int j = 0; j < n; j++) {
            latents[j] = s.genLatent(Conditioning.of(cond.get(new NDIndex("{}:{}", j, j + 1))), s.noise(), kt[0]);
        }
        NDArray z = Nn.cat(0, latents);
        s.checkIfCancelled();
        NDArray goal = Scopes.keepOnly(() -> s.frozenUnet().predict(z, kt[1], Conditioning.of(cond)));
        return new Retain(z, sd.tokenIds(prompts), goal);
    }

    /**
     * The {@code prefix_k} soft-prompt attack (§5.2) against the current encoder ϕ (no gradient on ϕ):
     * minimises MSE(ε*(z,t,E_ϕ(adv prompt)), ε*(z,t,E_orig(w))). Returns the last attack loss.
     */
    private double attack(int w) {
        int k = options.adversarialTokens();
        NDArray start;
        if (options.init() == AdvUnlearn.Init.LATEST && adversarial != null) {
            start = adversarial;
        } else {
            long[] ids = new long[k];
            for (int j = 0; j < k; j++) ids[j] = s.random().nextInt(vocabSize);
            start = sd.textEncoder().tokenEmbedding(s.manager().create(new long[][] {ids})).squeeze(0);
        }
        NDArray vec = s.keep(Tensors.copyOf(start));
        for (NDArray p : trained.values()) p.setRequiresGradient(false);
        vec.setRequiresGradient(true);
        boolean official = s.settings().compat() == Compat.OFFICIAL;
        Adam opt = new Adam(Map.of("adversarial", vec), options.attackLearningRate(), s.manager());
        NDArray returned = null;
        double last = Double.NaN;
        NDArray tokens = targetEmbeddings.get(w).expandDims(0);
        NDArray ce = s.target(w).promptEmbeds();
        for (int step = 0; step < options.attackSteps(); step++) {
            try (NDScope scope = new NDScope()) {
                int[] kt = s.drawTimestep();
                NDArray z = s.genLatent(Conditioning.of(ce), s.noise(), kt[0]);
                s.checkIfCancelled();
                NDArray goal = Scopes.keepOnly(() -> s.frozenUnet().predict(z, kt[1], Conditioning.of(ce)));
                // The official loop returns the prompt assembled at the start of its last step.
                if (official && step == options.attackSteps() - 1) returned = s.keep(Tensors.copyOf(vec));
                try (GradientCollector gc = Gradients.collector()) {
                    NDArray cond = phi.forwardEmbeddings(SoftPrompt.prefix(tokens, vec));
                    NDArray loss = s.mse(s.frozenUnet().predict(z, kt[1], Conditioning.of(cond)), goal);
                    gc.backward(loss);
                    last = loss.getFloat();
                }
                if (options.signGradient()) {
                    NDArray g = vec.getGradient();
                    g.set(new NDIndex("..."), g.sign());
                }
                opt.step(!official);
            }
        }
        opt.close();
        for (NDArray p : trained.values()) p.setRequiresGradient(true);
        if (returned == null) {
            returned = s.keep(Tensors.copyOf(vec));
        }
        vec.close();
        if (adversarial != null) adversarial.close();
        adversarial = returned;
        return last;
    }

    /** Beyond θ and its Adam: the latest adversarial prompt (none before the first attack) and the retain draw's pass. */
    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        if (adversarial != null) out.put("adversarial", adversarial);
        if (!retain.isEmpty()) {
            long[] unseenMask = new long[retain.size()]; // unseen stays in index order: a mask is the whole list
            for (int j : unseen) unseenMask[j] = 1;
            out.put("retain.unseen", s.manager().create(unseenMask));
        }
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state) {
        NDArray saved = state.get("adversarial");
        if (saved != null) {
            if (adversarial != null) adversarial.close();
            adversarial = s.keep(Tensors.copyOf(saved));
        }
        NDArray mask = state.get("retain.unseen");
        if (mask != null) {
            long[] m = mask.toLongArray();
            if (m.length != retain.size()) {
                throw new IllegalArgumentException("checkpoint's retain pass covers " + m.length + " prompts, this run has " + retain.size());
            }
            unseen.clear();
            for (int j = 0; j < m.length; j++) if (m[j] != 0) unseen.add(j);
        }
    }

    @Override
    public Map<String, String> configuration() {
        return options.configuration();
    }
}
