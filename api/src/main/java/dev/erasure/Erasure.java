package dev.erasure;

import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.Method;
import dev.erasure.erase.ErasureModel;
import dev.erasure.erase.SdErasureModel;
import dev.erasure.erase.SdxlErasureModel;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.erase.Settings;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Djl;
import dev.erasure.sd.StableDiffusion;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Fluent entry point of concept erasure: a record, every wither returns a new configuration:
 * <pre>
 * ErasureResult r = Erasure.of(sd).target("nudity")
 *     .preserve(Preserve.adversarial(50)).train(Params.nonCrossAttention())
 *     .iterations(1000).learningRate(1e-5).seed(7).run();
 * </pre>
 * Defaults are the official code's (methods.md §1.1, §2.4): 1000 θ steps, lr 1e-5 (another
 * {@link #method}'s own defaults when one is chosen and iterations/learningRate are not set), start
 * guidance 3, negative guidance 1, DDIM grid 50, the model's latent size (64×64 = 512×512 for SD-1.4), EN3K
 * vocabulary, no preservation (plain ESD), cross-attention parameters (ESD-x), {@link Compat#OFFICIAL}.
 * {@link #run()} validates everything first and fails with a message naming the bad setting
 * before any model compute.
 */
public record Erasure(ErasureModel model, List<String> targets, String separator, Preserve preserve, Params params,
                      Integer iterations, Double learningRate, long seed, Vocabulary vocabulary, String vocabularyName,
                      int ddimGrid, int latentSize, float startGuidance, float negativeGuidance, Compat compat,
                      int checkpointEvery, Path checkpointDir, Path resumeDir, ProgressListener listener, Method method) {
    /**
     * Validates what can be checked without the model, naming the option; null {@code params},
     * {@code iterations}, {@code learningRate}, {@code vocabulary} mean "the default" (of the method, when
     * one is chosen); 0 {@code latentSize} the model's. {@link #settings()} checks the rest against
     * the model and the method.
     */
    public Erasure {
        Objects.requireNonNull(model, "model");
        targets = targets == null ? List.of() : List.copyOf(targets);
        Objects.requireNonNull(preserve, "preserve");
        Objects.requireNonNull(compat, "compat");
        if (listener == null) listener = ProgressListener.NONE;
        if (iterations != null && iterations <= 0) throw new IllegalArgumentException("iterations must be > 0, got " + iterations);
        if (learningRate != null && (!(learningRate > 0) || Double.isInfinite(learningRate))) {
            throw new IllegalArgumentException("learningRate must be a positive number, got " + learningRate);
        }
        if (ddimGrid < 2) throw new IllegalArgumentException("ddimGrid must be ≥ 2, got " + ddimGrid);
        if (latentSize < 0 || latentSize % 8 != 0) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of 8 (0 = the model's), got " + latentSize);
        }
        requireFinite("startGuidance", startGuidance);
        requireFinite("negativeGuidance", negativeGuidance);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery must be ≥ 0, got " + checkpointEvery);
        if (checkpointEvery > 0 && checkpointDir == null) throw new IllegalArgumentException("checkpointEvery needs a folder");
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

    /** Erasure on any model the engine can drive (see {@link ErasureModel}), at the official code's defaults (class comment). */
    public static Erasure of(ErasureModel model) {
        return new Erasure(Objects.requireNonNull(model, "model"), List.of(), null, Preserve.none(), null, null,
                null, 0, null, null, 50, 0, 3f, 1f, Compat.OFFICIAL, 0, null, null, ProgressListener.NONE, null);
    }

    /** The concept to erase, e.g. "nudity" or "Van Gogh" (split on {@link #separator} when one is set). */
    public Erasure target(String prompt) {
        return Records.with(this, "targets", prompt == null ? List.of() : List.of(prompt));
    }

    /** Several concepts erased jointly; each iteration samples one uniformly (ESD/EAP multi-concept). */
    public Erasure targets(String... prompts) {
        return Records.with(this, "targets", Arrays.asList(prompts));
    }

    /** The official {@code --seperator}: target("Church, Parachute").separator(",") erases both. */
    public Erasure separator(String sep) {
        return Records.with(this, "separator", sep);
    }

    /**
     * What the ESD family keeps (methods.md §2): none (plain ESD), fixed concepts, adversarial (EAP) or
     * continuous; the same as {@code method(Methods.esd().preserve(p))}.
     */
    public Erasure preserve(Preserve p) {
        return Records.with(this, "preserve", p);
    }

    /** Which UNet tensors train (methods.md §0.3). */
    public Erasure train(Params p) {
        return Records.with(this, "params", Objects.requireNonNull(p, "params"));
    }

    /** θ updates (the official {@code iterations}); EAP runs P loop iterations per θ update. */
    public Erasure iterations(int n) {
        return Records.with(this, "iterations", n);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterations(int)}, the θ updates. */
    @Deprecated
    public Erasure steps(int n) {
        return iterations(n);
    }

    public Erasure learningRate(double lr) {
        Finite.require("learningRate", lr);
        return Records.with(this, "learningRate", lr);
    }

    public Erasure seed(long s) {
        return Records.with(this, "seed", s);
    }

    public Erasure vocabulary(Vocabulary v) {
        return Records.with(this, "vocabulary", Objects.requireNonNull(v, "vocabulary"), "vocabularyName", null);
    }

    /** A vocabulary by its official name ("EN3K"); an unknown name is rejected by {@link #run()}. */
    public Erasure vocabulary(String name) {
        return Records.with(this, "vocabulary", null, "vocabularyName", name);
    }

    /** GenLatent's DDIM grid size N (50 officially; fewer makes tiny test runs cheap). */
    public Erasure ddimGrid(int n) {
        return Records.with(this, "ddimGrid", n);
    }

    /** @deprecated "steps" meant several things; this is {@link #ddimGrid(int)}, GenLatent's DDIM grid size. */
    @Deprecated
    public Erasure ddimSteps(int n) {
        return ddimGrid(n);
    }

    /** Latent height = width (default: the UNet's sample_size, 64 for SD-1.4's 512×512); a multiple of 8. */
    public Erasure latentSize(int n) {
        return Records.with(this, "latentSize", n);
    }

    /** Image size in pixels (latent size × 8). */
    public Erasure imageSize(int pixels) {
        if (pixels % 8 != 0) throw new IllegalArgumentException("imageSize must be a multiple of 8, got " + pixels);
        return latentSize(pixels / 8);
    }

    public Erasure startGuidance(double s) {
        Finite.require("startGuidance", s);
        return Records.with(this, "startGuidance", (float) s);
    }

    public Erasure negativeGuidance(double eta) {
        Finite.require("negativeGuidance", eta);
        return Records.with(this, "negativeGuidance", (float) eta);
    }

    public Erasure compat(Compat c) {
        return Records.with(this, "compat", c);
    }

    /** Progress reports (step, losses, current adversarial concept) on the running thread. */
    public Erasure onProgress(ProgressListener l) {
        return Records.with(this, "listener", l);
    }

    /**
     * The erasure method: {@code Methods.esd()}, {@code Methods.eap(50)}, {@code Methods.uce()},
     * {@code Methods.conceptAblation()}, {@code Methods.advUnlearn()}, {@code Methods.advAnchor()}.
     * The ESD family ({@link EsdFamily}) is the same choice as {@link #preserve} (the last call wins);
     * another method with a {@code preserve(..)} set is refused by {@link #run()}.
     */
    public Erasure method(Method m) {
        if (m instanceof EsdFamily f) return Records.with(this, "preserve", f.preserve(), "method", null);
        return Records.with(this, "method", Objects.requireNonNull(m, "method"));
    }

    /** Writes a resumable checkpoint every {@code n} θ steps into {@code dir} (atomically). */
    public Erasure checkpointEvery(int n, Path dir) {
        return Records.with(this, "checkpointEvery", n, "checkpointDir", dir);
    }

    /** Continues from the newest checkpoint in {@code dir}; the configuration must match (steps may grow). */
    public Erasure resume(Path dir) {
        return Records.with(this, "resumeDir", dir);
    }

    /** The validated settings; throws IllegalArgumentException naming the bad setting. */
    public Settings settings() {
        List<String> words = new ArrayList<>();
        for (String t : targets) {
            if (t == null) continue;
            if (separator != null && !separator.isEmpty()) {
                for (String part : t.split(Pattern.quote(separator))) words.add(part.strip());
            } else {
                words.add(t.strip());
            }
        }
        if (words.isEmpty() || words.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("empty target: give the concept to erase, e.g. target(\"nudity\"); got " + targets);
        }
        int iterations = this.iterations != null ? this.iterations : method != null ? method.defaultSteps() : 1000;
        double learningRate = this.learningRate != null ? this.learningRate
                : method != null ? method.defaultLearningRate() : 1e-5;
        int latent = latentSize == 0 ? model.defaultLatentSize() : latentSize;
        if (latent <= 0 || latent % 8 != 0) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of 8, got " + latent);
        }
        int timesteps = model.alphasCumprod().length;
        if (ddimGrid < 2 || ddimGrid > timesteps) {
            throw new IllegalArgumentException("ddimGrid must be in [2, " + timesteps + "], got " + ddimGrid);
        }
        refuseUnused();
        Params params = this.params != null ? this.params : Params.crossAttention();
        if (params.select(model.unetWeights().keys()).isEmpty()) {
            throw new IllegalArgumentException("parameter filter '" + params.name() + "' selects none of the UNet's "
                    + model.unetWeights().keys().size() + " tensors");
        }
        Vocabulary vocab = vocabulary != null ? vocabulary
                : vocabularyName != null ? Vocabulary.named(vocabularyName) : Vocabulary.english3000();
        validatePreserve(words.size(), vocab);
        return new Settings(words, preserve, params, iterations, learningRate, seed, vocab, ddimGrid, latent,
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
        Finite.require(name, v);
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
        Djl.gradOffOnThisThread(); // grad mode is per thread: any thread may run this
        Method m = method != null ? method : new EsdFamily(preserve); // preserve(..) is the ESD family's choice
        m.validate(model, s);
        return new ErasureResult(m.run(model, s, listener, resumeDir));
    }
}
