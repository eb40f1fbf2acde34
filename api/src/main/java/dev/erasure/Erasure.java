package dev.erasure;

import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.Method;
import dev.erasure.erase.Checkpoints;
import dev.erasure.erase.ErasureModel;
import dev.erasure.erase.SdErasureModel;
import dev.erasure.erase.SdxlErasureModel;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.erase.Settings;
import dev.erasure.erase.Trainer;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Fluent, immutable entry point of concept erasure (every call returns a new configuration):
 * <pre>
 * ErasureResult r = Erasure.of(sd).target("nudity")
 *     .preserve(Preserve.adversarial(50)).train(Params.nonCrossAttention())
 *     .steps(1000).learningRate(1e-5).seed(7).run();
 * </pre>
 * Defaults are the official code's (methods.md §1.1, §2.4): 1000 θ steps, lr 1e-5 (another
 * {@link #method}'s own defaults when one is chosen and steps/learningRate are not set), start
 * guidance 3, negative guidance 1, DDIM grid 50, the model's latent size (64×64 = 512×512 for SD-1.4), EN3K
 * vocabulary, no preservation (plain ESD), cross-attention parameters (ESD-x), {@link Compat#OFFICIAL}.
 * {@link #run()} validates everything first and fails with a message naming the bad setting
 * before any model compute.
 */
public final class Erasure {
    private ErasureModel model;
    private List<String> targets = List.of();
    private String separator;
    private Preserve preserve = Preserve.none();
    private Params params; // null: cross-attention (ESD-x), or the method's own choice
    private Integer steps; // null: the method's default (1000 for the ESD family)
    private Double learningRate; // null: the method's default (1e-5 for the ESD family)
    private long seed;
    private Vocabulary vocabulary;
    private String vocabularyName;
    private int ddimSteps = 50;
    private int latentSize; // 0: the model's sample_size (64 for SD-1.4)
    private float startGuidance = 3f;
    private float negativeGuidance = 1f;
    private Compat compat = Compat.OFFICIAL;
    private int checkpointEvery;
    private Path checkpointDir;
    private Path resumeDir;
    private ProgressListener listener = ProgressListener.NONE;
    private Method method;

    private Erasure() {
    }

    private Erasure copy() {
        Erasure e = new Erasure();
        e.model = model;
        e.targets = targets;
        e.separator = separator;
        e.preserve = preserve;
        e.params = params;
        e.steps = steps;
        e.learningRate = learningRate;
        e.seed = seed;
        e.vocabulary = vocabulary;
        e.vocabularyName = vocabularyName;
        e.ddimSteps = ddimSteps;
        e.latentSize = latentSize;
        e.startGuidance = startGuidance;
        e.negativeGuidance = negativeGuidance;
        e.compat = compat;
        e.checkpointEvery = checkpointEvery;
        e.checkpointDir = checkpointDir;
        e.resumeDir = resumeDir;
        e.listener = listener;
        e.method = method;
        return e;
    }

    /** Erasure of concepts from a loaded Stable Diffusion's UNet (the model itself is never changed). */
    public static Erasure of(StableDiffusion sd) {
        return of(new SdErasureModel(Objects.requireNonNull(sd, "model")));
    }

    /**
     * Erasure of concepts from a loaded SDXL's UNet: the training methods condition it on prompt and
     * pooled embeddings with the time ids of the training size (see {@link SdxlErasureModel}).
     */
    public static Erasure of(StableDiffusionXL xl) {
        return of(new SdxlErasureModel(Objects.requireNonNull(xl, "model")));
    }

    /** A copy with one change (the configuration is immutable). */
    private Erasure with(java.util.function.Consumer<Erasure> change) {
        Erasure e = copy();
        change.accept(e);
        return e;
    }

    /** Erasure on any model the engine can drive (see {@link ErasureModel}). */
    public static Erasure of(ErasureModel model) {
        Erasure e = new Erasure();
        e.model = Objects.requireNonNull(model, "model");
        return e;
    }

    /** The concept to erase, e.g. "nudity" or "Van Gogh" (split on {@link #separator} when one is set). */
    public Erasure target(String prompt) {
        return with(e -> e.targets = prompt == null ? List.of() : List.of(prompt));
    }

    /** Several concepts erased jointly; each iteration samples one uniformly (ESD/EAP multi-concept). */
    public Erasure targets(String... prompts) {
        return with(e -> e.targets = List.copyOf(Arrays.asList(prompts)));
    }

    /** The official {@code --seperator}: target("Church, Parachute").separator(",") erases both. */
    public Erasure separator(String sep) {
        return with(e -> e.separator = sep);
    }

    public Erasure preserve(Preserve p) {
        return with(e -> e.preserve = Objects.requireNonNull(p, "preserve"));
    }

    /** Which UNet tensors train (methods.md §0.3). */
    public Erasure train(Params p) {
        return with(e -> e.params = Objects.requireNonNull(p, "params"));
    }

    /** θ updates (the official {@code iterations}); EAP runs P loop iterations per θ update. */
    public Erasure steps(int n) {
        return with(e -> e.steps = n);
    }

    public Erasure learningRate(double lr) {
        return with(e -> e.learningRate = lr);
    }

    public Erasure seed(long s) {
        return with(e -> e.seed = s);
    }

    public Erasure vocabulary(Vocabulary v) {
        return with(e -> {
            e.vocabulary = Objects.requireNonNull(v, "vocabulary");
            e.vocabularyName = null;
        });
    }

    /** A vocabulary by its official name ("EN3K"); an unknown name is rejected by {@link #run()}. */
    public Erasure vocabulary(String name) {
        return with(e -> {
            e.vocabularyName = name;
            e.vocabulary = null;
        });
    }

    /** GenLatent's DDIM grid size N (50 officially; fewer makes tiny test runs cheap). */
    public Erasure ddimSteps(int n) {
        return with(e -> e.ddimSteps = n);
    }

    /** Latent height = width (default: the UNet's sample_size, 64 for SD-1.4's 512×512); a multiple of 8. */
    public Erasure latentSize(int n) {
        return with(e -> e.latentSize = n);
    }

    /** Image size in pixels (latent size × 8). */
    public Erasure imageSize(int pixels) {
        if (pixels % 8 != 0) throw new IllegalArgumentException("imageSize must be a multiple of 8, got " + pixels);
        return latentSize(pixels / 8);
    }

    public Erasure startGuidance(double s) {
        return with(e -> e.startGuidance = (float) s);
    }

    public Erasure negativeGuidance(double eta) {
        return with(e -> e.negativeGuidance = (float) eta);
    }

    public Erasure compat(Compat c) {
        return with(e -> e.compat = Objects.requireNonNull(c, "compat"));
    }

    /** Progress reports (step, losses, current adversarial concept) on the running thread. */
    public Erasure onProgress(ProgressListener l) {
        return with(e -> e.listener = l == null ? ProgressListener.NONE : l);
    }

    /**
     * Uses another erasure method (UCE, Concept Ablation, AdvUnlearn, AdvAnchor) instead of the
     * ESD family chosen by {@link #preserve}; e.g. {@code .method(Methods.uce())}.
     */
    public Erasure method(Method m) {
        Erasure e = copy();
        e.method = Objects.requireNonNull(m, "method");
        return e;
    }

    /** Writes a resumable checkpoint every {@code n} θ steps into {@code dir} (atomically). */
    public Erasure checkpointEvery(int n, Path dir) {
        return with(e -> {
            e.checkpointEvery = n;
            e.checkpointDir = dir;
        });
    }

    /** Continues from the newest checkpoint in {@code dir}; the configuration must match (steps may grow). */
    public Erasure resume(Path dir) {
        return with(e -> e.resumeDir = dir);
    }

    /** The validated settings; throws IllegalArgumentException naming the bad setting. */
    public Settings settings() {
        List<String> words = new ArrayList<>();
        for (String t : targets) {
            if (t == null) continue;
            if (separator != null && !separator.isEmpty()) {
                for (String part : t.split(java.util.regex.Pattern.quote(separator))) words.add(part.strip());
            } else {
                words.add(t.strip());
            }
        }
        if (words.isEmpty() || words.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("empty target: give the concept to erase, e.g. target(\"nudity\"); got " + targets);
        }
        int steps = this.steps != null ? this.steps : method != null ? method.defaultSteps() : 1000;
        double learningRate = this.learningRate != null ? this.learningRate
                : method != null ? method.defaultLearningRate() : 1e-5;
        if (steps <= 0) throw new IllegalArgumentException("steps must be > 0, got " + steps);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be a positive number, got " + learningRate);
        }
        int latent = latentSize == 0 ? model.defaultLatentSize() : latentSize;
        if (latent <= 0 || latent % 8 != 0) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of 8, got " + latent);
        }
        int timesteps = model.alphasCumprod().length;
        if (ddimSteps < 2 || ddimSteps > timesteps) {
            throw new IllegalArgumentException("ddimSteps must be in [2, " + timesteps + "], got " + ddimSteps);
        }
        requireFinite("startGuidance", startGuidance);
        requireFinite("negativeGuidance", negativeGuidance);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery must be ≥ 0, got " + checkpointEvery);
        if (checkpointEvery > 0 && checkpointDir == null) throw new IllegalArgumentException("checkpointEvery needs a folder");
        refuseUnused();
        Params params = this.params != null ? this.params : Params.crossAttention();
        if (params.select(model.unetWeights().keys()).isEmpty()) {
            throw new IllegalArgumentException("parameter filter '" + params.name() + "' selects none of the UNet's "
                    + model.unetWeights().keys().size() + " tensors");
        }
        Vocabulary vocab = vocabulary != null ? vocabulary
                : vocabularyName != null ? Vocabulary.named(vocabularyName) : Vocabulary.english3000();
        validatePreserve(words.size(), vocab);
        return new Settings(words, preserve, params, steps, learningRate, seed, vocab, ddimSteps, latent,
                startGuidance, negativeGuidance, compat, checkpointEvery, checkpointDir);
    }

    /** An option the chosen method does not use is refused, naming both, instead of being dropped. */
    private void refuseUnused() {
        if (method == null) return;
        if (!(preserve instanceof Preserve.None)) {
            throw new IllegalArgumentException("preserve(" + preserve + ") selects a method of the ESD family, but method("
                    + method.name() + ") is chosen: " + method.name() + " does not use preserve(..); drop one of them");
        }
        if (params != null && !method.usesParams()) {
            throw new IllegalArgumentException("train(" + params.name() + ") is not used by " + method.name()
                    + ", which chooses the tensors it edits itself; drop train(..)");
        }
    }

    /** NaN or ∞ in a setting would silently train NaN weights. */
    private static void requireFinite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + " must be a finite number, got " + v);
    }

    private void validatePreserve(int nTargets, Vocabulary vocab) {
        if (preserve instanceof Preserve.Adversarial a) {
            int pool = Math.min(a.kClosest(), vocab.plainWordCount());
            if (a.k() <= 0) throw new IllegalArgumentException("adversarial(K) needs K ≥ 1, got " + a.k());
            if (a.kClosest() <= 0) throw new IllegalArgumentException("kClosest must be ≥ 1, got " + a.kClosest());
            if (a.k() > pool) {
                throw new IllegalArgumentException("adversarial(" + a.k() + ") asks for more concepts than the candidate pool has: "
                        + pool + " (kClosest " + a.kClosest() + ", " + vocab.plainWordCount() + " usable words in " + vocab + ")");
            }
            if (a.k() % nTargets != 0) {
                throw new IllegalArgumentException("K = " + a.k() + " must be divisible by the number of targets (" + nTargets + ")");
            }
            if (a.pgdSteps() < 1) throw new IllegalArgumentException("pgdSteps P must be ≥ 1, got " + a.pgdSteps());
            if (!(a.temperature() > 0) || Double.isInfinite(a.temperature())) throw new IllegalArgumentException("Gumbel temperature must be > 0, got " + a.temperature());
            if (!(a.learningRate() > 0) || Double.isInfinite(a.learningRate())) throw new IllegalArgumentException("Gumbel learning rate must be > 0, got " + a.learningRate());
        } else if (preserve instanceof Preserve.Continuous c) {
            if (c.pgdSteps() < 0) throw new IllegalArgumentException("pgdSteps must be ≥ 0, got " + c.pgdSteps());
        }
    }

    /** Validates, then trains; a cancelled run returns its partial result flagged {@code cancelled()}. */
    public ErasureResult run() {
        Settings s = settings();
        dev.erasure.sd.Djl.gradOffOnThisThread(); // grad mode is per thread: any thread may run this
        if (method != null) {
            method.validate(model, s);
            return new ErasureResult(method.run(model, s, listener, resumeDir));
        }
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, s); // fails before any compute
        return new ErasureResult(Trainer.run(model, s, listener, resumeDir));
    }
}
