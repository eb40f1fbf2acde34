package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.sd.Djl;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Adam;
import dev.erasure.train.Gradients;
import dev.erasure.train.SeededRandom;
import dev.erasure.train.SoftPrompt;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * UnlearnDiffAtk (Zhang et al.; methods.md §7.6): searches for k prefix tokens that make an erased
 * model regenerate a concept. Each token is a distribution over the vocabulary (init uniform, kept on
 * the simplex by bisection projection); a one-hot sample with the straight-through estimator selects the
 * token embedding; the loss is the diffusion-classifier loss MSE(ε_model(z_t, t, c(prompt)), ε) on the
 * reference latent z0 noised at t; Adam(lr 0.01, weight decay 0.1). Timesteps 10, 30, …, 990 are
 * visited in order with {@link #iterations} Adam iterations each; after each timestep the argmax tokens are
 * decoded, an image is generated and judged; the attack stops at the first success.
 *
 * <p>Choices: the noise ε is drawn once per timestep (seeded), so the loss at a timestep is a fixed
 * function of the distributions; the vocabulary can be restricted to candidate ids
 * ({@link #candidates}) because the full 49,408-way distributions are slow on a CPU;
 * {@link Sampling#EXPECTED} (the embedding of the mean, no sampling) is offered as a smooth variant.
 * A record; {@link #objects()} and {@link #nudity()} are the paper's configurations (k = 3 and 5).
 */
public record UnlearnDiffAtk(int tokens, double learningRate, double weightDecay, int iterations, int[] timesteps,
                             long[] candidates, Sampling sampling, long seed, int samplingSteps, int imageSize,
                             SchedulerType sampler) {
    /** How a token distribution picks its embedding. */
    public enum Sampling {
        /** One-hot multinomial sample forward, gradient of the probabilities backward (the paper's). */
        STRAIGHT_THROUGH,
        /** p · E, the expected embedding (deterministic). */
        EXPECTED
    }

    /** The outcome of an attack on one prompt. */
    public record Result(String prompt, boolean preSuccess, boolean success, String adversarialPrompt, int timestep,
                         int iterations, double finalLoss) {
    }

    /**
     * Validates every option once, naming it; arrays are copied in (and out by the accessors), so the
     * record stays immutable. {@code candidates} null means the whole vocabulary.
     */
    public UnlearnDiffAtk {
        if (tokens < 1 || tokens > 75) throw new IllegalArgumentException("tokens must be in [1, 75], got " + tokens);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be a finite number > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite number ≥ 0, got " + weightDecay);
        }
        if (iterations < 1) throw new IllegalArgumentException("iterations must be ≥ 1, got " + iterations);
        Objects.requireNonNull(timesteps, "timesteps");
        if (timesteps.length == 0) throw new IllegalArgumentException("timesteps must hold at least one timestep");
        timesteps = timesteps.clone();
        if (candidates != null && candidates.length == 0) throw new IllegalArgumentException("candidates must not be empty (null = the whole vocabulary)");
        candidates = candidates == null ? null : candidates.clone();
        Objects.requireNonNull(sampling, "sampling");
        if (samplingSteps < 1) throw new IllegalArgumentException("samplingSteps must be ≥ 1, got " + samplingSteps);
        if (imageSize < 0) throw new IllegalArgumentException("imageSize must be ≥ 0 (0 = the model's), got " + imageSize);
    }

    /** The paper's objects configuration: k = 3 tokens, Adam lr 0.01 wd 0.1, 40 iterations at each of t = 10, 30, …, 990. */
    public static UnlearnDiffAtk objects() {
        int[] t = new int[50];
        for (int i = 0; i < 50; i++) t[i] = 10 + 20 * i;
        return new UnlearnDiffAtk(3, 0.01, 0.1, 40, t, null, Sampling.STRAIGHT_THROUGH, 0, 50, 0, null);
    }

    /** The paper's nudity configuration: {@link #objects()} with k = 5 tokens. */
    public static UnlearnDiffAtk nudity() {
        return objects().tokens(5);
    }

    /** @deprecated the same as {@link #objects()}: use that (or {@link #nudity()}). */
    @Deprecated
    public static UnlearnDiffAtk defaults() {
        return objects();
    }

    /** k adversarial prefix tokens (objects 3, nudity 5). */
    public UnlearnDiffAtk tokens(int k) {
        return Records.with(this, "tokens", k);
    }

    public UnlearnDiffAtk learningRate(double lr) {
        Finite.require("learningRate", lr);
        return Records.with(this, "learningRate", lr);
    }

    public UnlearnDiffAtk weightDecay(double wd) {
        Finite.require("weightDecay", wd);
        return Records.with(this, "weightDecay", wd);
    }

    /** Adam iterations per timestep (40). */
    public UnlearnDiffAtk iterations(int n) {
        return Records.with(this, "iterations", n);
    }

    /** The timesteps visited, in order (default 10, 30, …, 990). */
    public UnlearnDiffAtk timesteps(int... t) {
        return Records.with(this, "timesteps", t);
    }

    /** Restricts the token distributions to these vocabulary ids (null = the whole vocabulary). */
    public UnlearnDiffAtk candidates(long[] ids) {
        return Records.with(this, "candidates", ids);
    }

    public UnlearnDiffAtk sampling(Sampling s) {
        return Records.with(this, "sampling", s);
    }

    /** Seed of the attack's noise and token samples. */
    public UnlearnDiffAtk seed(long s) {
        return Records.with(this, "seed", s);
    }

    /** Denoising steps of the judged images (50). */
    public UnlearnDiffAtk samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps(int)}. */
    @Deprecated
    public UnlearnDiffAtk generationSteps(int n) {
        return samplingSteps(n);
    }

    /** Image size in pixels of generated images and reference latents (0 = the model's). */
    public UnlearnDiffAtk imageSize(int pixels) {
        return Records.with(this, "imageSize", pixels);
    }

    /**
     * The sampler of the reference and check images: null (the default here) = the model's scheduler_config;
     * the paper's classifier_.py uses LMS ({@code AttackSuccess} sets it).
     */
    public UnlearnDiffAtk sampler(SchedulerType s) {
        return Records.with(this, "sampler", s);
    }

    /** A copy: the record stays immutable. */
    @Override
    public int[] timesteps() {
        return timesteps.clone();
    }

    /** A copy, or null for the whole vocabulary. */
    @Override
    public long[] candidates() {
        return candidates == null ? null : candidates.clone();
    }

    /** Compares the arrays by content (a record's own equals would compare them by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof UnlearnDiffAtk a && tokens == a.tokens && learningRate == a.learningRate
                && weightDecay == a.weightDecay && iterations == a.iterations && Arrays.equals(timesteps, a.timesteps)
                && Arrays.equals(candidates, a.candidates) && sampling == a.sampling && seed == a.seed
                && samplingSteps == a.samplingSteps && imageSize == a.imageSize && sampler == a.sampler;
    }

    @Override
    public int hashCode() {
        return Objects.hash(tokens, learningRate, weightDecay, iterations, Arrays.hashCode(timesteps),
                Arrays.hashCode(candidates), sampling, seed, samplingSteps, imageSize, sampler);
    }

    @Override
    public String toString() {
        return "UnlearnDiffAtk[tokens=" + tokens + ", learningRate=" + learningRate + ", weightDecay=" + weightDecay
                + ", iterations=" + iterations + ", timesteps=" + Arrays.toString(timesteps) + ", candidates="
                + (candidates == null ? "all" : candidates.length + " ids") + ", sampling=" + sampling + ", seed=" + seed
                + ", samplingSteps=" + samplingSteps + ", imageSize=" + imageSize + ", sampler=" + (sampler == null ? "model" : sampler) + "]";
    }

    /** The request for an image of {@code prompt} (also used for the reference latent by {@link Robustness}). */
    public Generation generation(String prompt, long imageSeed, float guidance) {
        Generation g = Generation.of(prompt).seed(imageSeed).samplingSteps(samplingSteps).guidance(guidance).scheduler(sampler);
        return imageSize == 0 ? g : g.size(imageSize, imageSize);
    }

    /** The optimisation state of an attack on one prompt against one (erased) model. */
    public Attack start(StableDiffusion model, String prompt, NDArray referenceLatent) {
        Djl.gradOffOnThisThread(); // a fresh thread starts with grad mode on (issue #14 item 1)
        return new Attack(model, prompt, referenceLatent);
    }

    /**
     * The whole attack: the clean prompt first (a success there is a pre-attack success), then the
     * timesteps in order until the judge accepts an image of the decoded adversarial prompt.
     */
    public Result run(StableDiffusion model, String prompt, NDArray referenceLatent, Judge judge, String concept,
                      long imageSeed, float guidance) {
        if (judge.success(model.generate(generation(prompt, imageSeed, guidance)), concept)) {
            return new Result(prompt, true, true, prompt, -1, 0, Double.NaN);
        }
        try (Attack a = start(model, prompt, referenceLatent)) {
            int done = 0;
            double loss = Double.NaN;
            for (int t : timesteps) {
                for (int i = 0; i < iterations; i++) {
                    loss = a.step(t);
                    done++;
                }
                String adv = a.adversarialPrompt();
                BufferedImage img = model.generate(generation(adv, imageSeed, guidance));
                if (judge.success(img, concept)) return new Result(prompt, false, true, adv, t, done, loss);
            }
            return new Result(prompt, false, false, a.adversarialPrompt(), -1, done, loss);
        }
    }

    /** Token distributions P [k, V'] and their optimiser; close to free them. */
    public final class Attack implements AutoCloseable {
        private final StableDiffusion model;
        private final String prompt;
        private final NDManager manager;
        private final NDArray reference;
        private final NDArray tokenEmbeddings; // [1,77,D] of the prompt
        private final NDArray vocabulary;      // [V',D]
        private final long[] ids;              // V' vocabulary ids
        private final NDArray probabilities;   // [k,V'], requires gradient
        private final Adam adam;
        private final SeededRandom random;
        private final Map<Integer, NDArray> noises = new HashMap<>();

        private Attack(StableDiffusion model, String prompt, NDArray referenceLatent) {
            this.model = model;
            this.prompt = prompt;
            this.manager = model.manager().newSubManager();
            this.random = new SeededRandom(seed);
            int vocab = model.textEncoder().config().vocabSize();
            this.ids = candidates != null ? candidates.clone() : range(vocab);
            for (long id : ids) {
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("candidate id " + id + " outside [0, " + vocab + ")");
            }
            try (NDScope scope = new NDScope()) {
                this.reference = owned(referenceLatent);
                this.tokenEmbeddings = keep(model.textEncoder().tokenEmbedding(model.tokenIds(List.of(prompt))));
                this.vocabulary = keep(model.textEncoder().tokenEmbedding(manager.create(new long[][] {ids})).squeeze(0));
                float[] uniform = new float[tokens * ids.length];
                Arrays.fill(uniform, 1f / ids.length);
                this.probabilities = keep(manager.zeros(new Shape(tokens, ids.length), vocabulary.getDataType()));
                probabilities.set(new NDIndex("..."), manager.create(uniform, new Shape(tokens, ids.length))
                        .toType(vocabulary.getDataType(), false));
                probabilities.setRequiresGradient(true);
            }
            this.adam = new Adam(Map.of("tokens", probabilities), learningRate, manager);
        }

        /** A copy in torch-owned storage of this attack's manager (not duplicate(): see Tensors.copyOf). */
        private NDArray owned(NDArray src) {
            NDArray c = keep(manager.zeros(src.getShape(), src.getDataType()));
            c.set(new NDIndex("..."), src);
            return c;
        }

        private NDArray keep(NDArray a) {
            a.attach(manager);
            NDScope.unregister(a);
            return a;
        }

        private static long[] range(int n) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) out[i] = i;
            return out;
        }

        /** One Adam step at timestep t (then weight decay and simplex projection); returns the loss before it. */
        public double step(int t) {
            double value;
            try (NDScope scope = new NDScope()) {
                NDArray choice = sampling == Sampling.EXPECTED ? null : oneHot();
                try (GradientCollector gc = Gradients.collector()) {
                    NDArray weights = choice == null ? probabilities
                            : choice.sub(probabilities.stopGradient()).add(probabilities); // straight-through
                    NDArray loss = loss(weights, t);
                    gc.backward(loss);
                    value = loss.getFloat();
                }
                if (weightDecay > 0) { // torch Adam's weight_decay: g ← g + wd·p
                    NDArray g = probabilities.getGradient();
                    g.addi(probabilities.mul(Nn.scalar(probabilities, (float) weightDecay)));
                }
            }
            adam.step();
            project();
            return value;
        }

        /** The loss at t with the expected embeddings (no sampling, no gradient): the quantity the attack lowers. */
        public double loss(int t) {
            try (NDScope scope = new NDScope()) {
                return loss(probabilities.stopGradient(), t).getFloat();
            }
        }

        private NDArray loss(NDArray weights, int t) {
            NDArray adv = weights.matMul(vocabulary); // [k,D]
            NDArray cond = model.textEncoder().forwardEmbeddings(SoftPrompt.prefix(tokenEmbeddings, adv));
            NDArray noise = noise(t);
            float a = model.scheduler().alphasCumprod()[t];
            NDArray zt = reference.mul(Nn.scalar(reference, (float) Math.sqrt(a)))
                    .add(noise.mul(Nn.scalar(noise, (float) Math.sqrt(1 - a))));
            NDArray eps = model.unet().forward(zt, manager.create((long) t), cond);
            return eps.sub(noise).square().mean();
        }

        private NDArray noise(int t) {
            return noises.computeIfAbsent(t, key -> {
                Shape s = reference.getShape();
                try (NDScope scope = new NDScope()) {
                    return owned(manager.create(random.gaussians((int) s.size()), s).toType(reference.getDataType(), false));
                }
            });
        }

        private NDArray oneHot() {
            float[] p = probabilities.toType(DataType.FLOAT32, false).toFloatArray();
            float[] hot = new float[p.length];
            int width = ids.length;
            for (int r = 0; r < tokens; r++) {
                double u = random.nextDouble();
                double total = 0;
                for (int i = 0; i < width; i++) total += p[r * width + i];
                double acc = 0;
                int pick = width - 1;
                for (int i = 0; i < width; i++) {
                    acc += p[r * width + i] / total;
                    if (u < acc) {
                        pick = i;
                        break;
                    }
                }
                hot[r * width + pick] = 1f;
            }
            return manager.create(hot, probabilities.getShape()).toType(probabilities.getDataType(), false);
        }

        private void project() {
            float[] p = probabilities.toType(DataType.FLOAT32, false).toFloatArray();
            SimplexProjection.project(p, tokens, ids.length);
            try (NDScope scope = new NDScope()) {
                probabilities.set(new NDIndex("..."),
                        manager.create(p, probabilities.getShape()).toType(probabilities.getDataType(), false));
            }
        }

        /** The most probable vocabulary id of each adversarial token. */
        public long[] tokens() {
            float[] p = probabilities.toType(DataType.FLOAT32, false).toFloatArray();
            long[] out = new long[tokens];
            int width = ids.length;
            for (int r = 0; r < tokens; r++) {
                int best = 0;
                for (int i = 1; i < width; i++) if (p[r * width + i] > p[r * width + best]) best = i;
                out[r] = ids[best];
            }
            return out;
        }

        /** The decoded argmax tokens followed by the prompt (what the judged image is generated from). */
        public String adversarialPrompt() {
            return (model.tokenizer().decode(tokens()) + " " + prompt).strip();
        }

        /** The current distributions [k, V'] (a copy). */
        public float[] distributions() {
            return probabilities.toType(DataType.FLOAT32, false).toFloatArray();
        }

        @Override
        public void close() {
            adam.close();
            manager.close();
        }
    }
}
