package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Gradients;
import dev.erasure.train.SeededRandom;
import dev.erasure.sd.nn.Scopes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Concept Ablation, model-based (methods.md §4): anchor latents z0 are generated once by the
 * original model from anchor prompts a; each step draws an anchor, t ~ U{0..T−1}, ε, forms
 * z_t = √ᾱ z0 + √(1−ᾱ) ε and the target prompt p (a rewritten to contain the target), and minimises
 * mean (ε_θ(z_t,t,E(p)) − stopgrad[ε_θ(z_t,t,E(a))])² — the target is the network being trained
 * (current weights, no gradient), not a frozen copy. {@link #noiseBased()} uses ε as the target.
 * AdamW (β 0.9/0.999, decoupled weight decay 1e-2, ε 1e-8) with gradient-norm clipping at 1.
 *
 * <p>Defaults (diffusers train.py, style): 100 steps, lr 2e-6 × batch 4 = 8e-6 ({@code --scale_lr}),
 * group {@code crossattn_kv}, batch 4, hflip, no resize augmentation, anchors from painting.txt,
 * 1000 anchor images at guidance 6. Deviations: anchors are sampled with η = 0 DDIM on the
 * engine's grid ({@link #anchorSteps}, default 25; the paper used DPM-Solver, 25 steps) and the
 * latent is used directly (no decode/encode round trip through the VAE); no prior-preservation loss.
 */
public record ConceptAblation(ConceptType type, String anchor, List<String> anchorPrompts, int anchorImages, int anchorSteps,
                              double anchorGuidance, Group group, int batchSize, double weightDecay, double maxGradNorm,
                              boolean noiseTarget, boolean hflip) implements Method {
    /** How the target prompt is built from an anchor prompt (§4.1). */
    public enum ConceptType { STYLE, OBJECT, NUDITY }

    /** Trained UNet tensors. */
    public enum Group {
        /** CompVis {@code crossattn-kv} = diffusers {@code cross-attn} (default): attn2.to_k / attn2.to_v. */
        CROSSATTN_KV("crossattn_kv", Params.crossAttentionKeyValue()),
        /** CompVis {@code crossattn}: every tensor of attn2. */
        CROSSATTN("crossattn", Params.crossAttention()),
        /** diffusers {@code attn}: to_q, to_k, to_v, to_out of attn1 and attn2. */
        ATTN("attn", Params.matching("attn[12]\\.(to_q|to_k|to_v|to_out)")),
        /** diffusers {@code full-weight}. */
        FULL("full", Params.full());

        private final String id;
        private final Params params;

        Group(String id, Params params) {
            this.id = id;
            this.params = params;
        }

        public Params params() {
            return params;
        }

        public static Group named(String id) {
            for (Group g : values()) if (g.id.equals(id.toLowerCase(Locale.ROOT))) return g;
            throw new IllegalArgumentException("unknown Concept Ablation parameter group '" + id
                    + "'; known: crossattn_kv, crossattn, attn, full");
        }
    }

    public static final int DEFAULT_STEPS = 100;
    public static final double DEFAULT_LR = 2e-6 * 4;

    /**
     * Validates every option once, naming it; {@code anchorPrompts} null means the shipped file for
     * the concept type. {@code noiseTarget}: the noise-based variant ({@link #noiseBased()}).
     */
    public ConceptAblation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(group, "group");
        if (anchorPrompts != null) {
            anchorPrompts = List.copyOf(anchorPrompts);
            if (anchorPrompts.isEmpty()) throw new IllegalArgumentException("anchorPrompts must hold at least one anchor prompt");
        }
        if (anchorImages < 1) throw new IllegalArgumentException("anchorImages must be ≥ 1, got " + anchorImages);
        if (anchorSteps < 2) throw new IllegalArgumentException("anchorSteps (anchor sampling steps) must be ≥ 2, got " + anchorSteps);
        if (!Double.isFinite(anchorGuidance)) throw new IllegalArgumentException("anchorGuidance must be finite, got " + anchorGuidance);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be ≥ 1, got " + batchSize);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite number ≥ 0, got " + weightDecay);
        }
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("maxGradNorm must be a finite number ≥ 0 (0 = off), got " + maxGradNorm);
        }
    }

    /** The documented style configuration (anchor "painting"). */
    public static ConceptAblation style() {
        return new ConceptAblation(ConceptType.STYLE, "painting", null, 1000, 25, 6.0, Group.CROSSATTN_KV, 4, 1e-2, 1.0,
                false, true);
    }

    /** @deprecated the same as {@link #style()} (or {@code Methods.conceptAblation()}): use that. */
    @Deprecated
    public static ConceptAblation defaults() {
        return style();
    }

    /** Object ablation: the anchor word (e.g. "cat") is replaced by the target in each anchor prompt. */
    public ConceptAblation object(String anchorWord) {
        return Records.with(this, "type", ConceptType.OBJECT, "anchor", Objects.requireNonNull(anchorWord, "anchor"));
    }

    /** Nudity/inappropriate content, anchors from people.txt. */
    public ConceptAblation nudity() {
        return Records.with(this, "type", ConceptType.NUDITY, "anchor", "people");
    }

    public ConceptAblation anchorPrompts(List<String> prompts) {
        return Records.with(this, "anchorPrompts", prompts);
    }

    /** How many anchor latents are generated ({@code num_class_images}, 1000); prompts are cycled. */
    public ConceptAblation anchorImages(int n) {
        return Records.with(this, "anchorImages", n);
    }

    /** Sampling steps of anchor generation (25) and its CFG scale (6). */
    public ConceptAblation anchorSampling(int steps, double guidance) {
        Finite.require("anchorGuidance", guidance);
        return Records.with(this, "anchorSteps", steps, "anchorGuidance", guidance);
    }

    public ConceptAblation group(Group g) {
        return Records.with(this, "group", Objects.requireNonNull(g, "group"));
    }

    public ConceptAblation batchSize(int b) {
        return Records.with(this, "batchSize", b);
    }

    /** AdamW's decoupled weight decay (1e-2). */
    public ConceptAblation weightDecay(double wd) {
        Finite.require("weightDecay", wd);
        return Records.with(this, "weightDecay", wd);
    }

    /** Total gradient-norm clip (1.0; 0 = off). */
    public ConceptAblation maxGradNorm(double n) {
        Finite.require("maxGradNorm", n);
        return Records.with(this, "maxGradNorm", n);
    }

    /** The noise-based variant: the target is the drawn noise ε instead of the anchor prediction. */
    public ConceptAblation noiseBased() {
        return Records.with(this, "noiseTarget", true);
    }

    /** The noise-based variant on or off ({@link #noiseBased()} turns it on). */
    public ConceptAblation noiseTarget(boolean on) {
        return Records.with(this, "noiseTarget", on);
    }

    /** Random horizontal flip of the anchor latent (on, as {@code --hflip}). */
    public ConceptAblation hflip(boolean on) {
        return Records.with(this, "hflip", on);
    }

    /**
     * θ updates, learning rate, seed, latent size and checkpoints; not train(..) (its group fixes θ),
     * ddimGrid/startGuidance (its own {@link #anchorSampling}), negativeGuidance or compat (official only).
     */
    @Override
    public Set<Option> options() {
        return EnumSet.of(Option.ITERATIONS, Option.LEARNING_RATE, Option.SEED, Option.LATENT_SIZE, Option.CHECKPOINTS);
    }

    @Override
    public String name() {
        return noiseTarget ? "CA-noise" : "CA";
    }

    @Override
    public int defaultIterations() {
        return DEFAULT_STEPS;
    }

    @Override
    public double defaultLearningRate() {
        return DEFAULT_LR;
    }

    @Override
    public void validate(ErasureModel model, Settings settings) {
        if (prompts().isEmpty()) throw new IllegalArgumentException("Concept Ablation needs at least one anchor prompt");
        if (group.params().select(model.unetWeights().keys()).isEmpty()) {
            throw new IllegalArgumentException("Concept Ablation group " + group.id + " selects no UNet tensor");
        }
    }

    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        Settings s = settings.params(group.params()).ddimGrid(anchorSteps, (float) anchorGuidance).compat(Compat.OFFICIAL);
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, s, Checkpoints.methodConfiguration(name(), this));
        return Trainer.run(model, s, listener, resumeDir, Loop::new);
    }

    /** The anchor prompts: the given list, or the shipped file for the concept type (painting/people/&lt;anchor&gt;.txt). */
    List<String> prompts() {
        if (anchorPrompts != null) return anchorPrompts;
        String file = switch (type) {
            case STYLE -> "painting";
            case NUDITY -> "people";
            case OBJECT -> anchor.toLowerCase(Locale.ROOT);
        };
        return resourceLines("/dev/erasure/data/ca/finetune_prompts/" + file + ".txt");
    }

    private static List<String> resourceLines(String path) {
        InputStream in = ConceptAblation.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalArgumentException("no shipped anchor prompts " + path + "; give anchorPrompts(...)");
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The target prompt of an anchor prompt (§4.1; several targets are cycled by anchor index). */
    String targetPrompt(String a, String target, SeededRandom random) {
        return switch (type) {
            case STYLE -> random.nextInt(3) == 0 ? a + ", in the style of " + target : "in " + target + "'s style, " + a;
            case NUDITY -> switch (random.nextInt(3)) {
                case 0 -> target + ", " + a;
                case 1 -> "in " + target + " style, " + a;
                default -> a + ", " + target;
            };
            case OBJECT -> a.replace(anchor, target);
        };
    }

    /**
     * One CA iteration (a batch of anchor images): the last sample's target, anchor prompt and
     * timestep, and the batch's mean loss.
     */
    public record Step(int iteration, int step, String target, String anchor, int t, Map<String, Double> losses)
            implements StepRecord {
    }

    /** One training run: anchor latents made at construction, then one AdamW step per iteration. */
    private final class Loop implements ErasureMethod<Step> {
        private final Session s;
        private final List<String> prompts;
        private final NDArray anchors; // [n,C,H,W] z0, kept in the session's manager
        private final List<String> anchorOf = new ArrayList<>();

        Loop(Session s) {
            this.s = s;
            this.prompts = prompts();
            List<NDArray> zs = new ArrayList<>();
            NoisePredictor original = s.frozenUnet();
            for (int i = 0; i < anchorImages; i++) {
                String a = prompts.get(i % prompts.size());
                anchorOf.add(a);
                try (NDScope scope = new NDScope()) {
                    Conditioning c = s.condition(List.of(a));
                    NDArray z = s.sampler().run(GuidedNoise.cfg(original, c, s.uncond(), s.settings().startGuidance()), s.noise(), 0);
                    zs.add(s.keep(z));
                }
            }
            this.anchors = s.keep(Nn.cat(0, zs.toArray(NDArray[]::new)));
            zs.forEach(NDArray::close);
        }

        @Override
        public String name() {
            return ConceptAblation.this.name();
        }

        @Override
        public Map<String, String> configuration() {
            return Checkpoints.methodConfiguration(name(), ConceptAblation.this);
        }

        @Override
        public Step iterate(int iteration) {
            List<String> targets = s.settings().targets();
            double total = 0;
            int lastT = 0;
            String lastTarget = "";
            String lastAnchor = "";
            s.adam().zeroGrad();
            for (int b = 0; b < batchSize; b++) {
                try (NDScope scope = new NDScope()) {
                    int i = s.random().nextInt(anchorOf.size());
                    int t = s.random().nextInt(s.model().alphasCumprod().length);
                    NDArray eps = s.noise();
                    boolean flip = hflip && s.random().nextInt(2) == 1;
                    String target = targets.get(i % targets.size());
                    String a = anchorOf.get(i);
                    String p = targetPrompt(a, target, s.random());
                    NDArray z0 = anchors.get(i).expandDims(0);
                    if (flip) z0 = z0.flip(3);
                    float ab = s.model().alphasCumprod()[t];
                    NDArray zt = z0.mul((float) Math.sqrt(ab)).add(eps.mul((float) Math.sqrt(1 - ab)));
                    Conditioning texts = s.condition(List.of(p, a));
                    NDArray goal = noiseTarget ? eps
                            : Scopes.keepOnly(() -> s.trainedUnet().predict(zt, t, texts.rows(1, 2)));
                    s.checkIfCancelled();
                    try (GradientCollector gc = Gradients.collector()) {
                        NDArray loss = s.mse(s.trainedUnet().predict(zt, t, texts.rows(0, 1)), goal);
                        gc.backward(s.scaled(loss.div(Nn.scalar(loss, batchSize))));
                        total += loss.getFloat();
                    }
                    lastT = t;
                    lastTarget = target;
                    lastAnchor = a;
                }
            }
            if (s.unscaleGradients(s.adam())) { // clipping reads the true gradient norm
                clipAndDecay();
                s.adam().step();
            }
            double mean = total / batchSize;
            return new Step(iteration, iteration + 1, lastTarget, lastAnchor, lastT, Map.of("loss", mean));
        }

        /** torch clip_grad_norm_(max 1, total 2-norm, scale max/(norm+1e-6)) then AdamW's p ← p(1 − lr·wd). */
        private void clipAndDecay() {
            try (NDScope scope = new NDScope()) {
                Map<String, NDArray> params = s.adam().parameters();
                if (maxGradNorm > 0) {
                    double norm = Gradients.norm(params.values());
                    double scale = maxGradNorm / (norm + 1e-6);
                    if (scale < 1) for (NDArray p : params.values()) p.getGradient().muli((float) scale);
                }
                if (weightDecay > 0) {
                    float keep = (float) (1 - s.adam().learningRate() * weightDecay);
                    for (NDArray p : params.values()) p.muli(keep);
                }
            }
        }
    }
}
