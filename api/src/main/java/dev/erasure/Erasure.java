package dev.erasure;

import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.ErasureModel;
import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.Method.Option;
import dev.erasure.erase.Method;
import dev.erasure.erase.SdErasureModel;
import dev.erasure.erase.SdxlErasureModel;
import dev.erasure.erase.Settings;
import dev.erasure.io.AtomicFiles;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Djl;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Fluent entry point of concept erasure: a record, every wither returns a new configuration:
 * <pre>
 * ErasureResult r = Erasure.of(sd).target("nudity")
 *     .preserve(Preserve.adversarial(50)).train(Params.nonCrossAttention())
 *     .iterations(1000).learningRate(1e-5).seed(7).run();
 * </pre>
 * It holds what to erase, the {@link #method} (its own options in its record, {@link Methods}) and
 * the options the methods share ({@link Option}); an unset option (null) takes the method's or the
 * official code's default (methods.md §1.1, §2.4): 1000 θ updates, lr 1e-5 (another method's own
 * defaults), seed 0, start guidance 3, negative guidance 1, DDIM grid 50, the model's latent size
 * (64×64 = 512×512 for SD-1.4), cross-attention parameters (ESD-x), {@link Compat#OFFICIAL}; the
 * method defaults to plain ESD. An option the chosen method does not read is refused, naming both.
 * {@link #run()} validates everything first and fails with a message naming the bad setting
 * before any model compute.
 */
public record Erasure(ErasureModel model, List<String> targets, String separator, Method method, Params params,
                      Integer iterations, Double learningRate, Long seed, Integer ddimGrid, Integer latentSize,
                      Float startGuidance, Float negativeGuidance, Compat compat,
                      int checkpointEvery, Path checkpointDir, Path resumeDir, ProgressListener listener) {
    /** GenLatent's DDIM grid of every official script. */
    private static final int DEFAULT_DDIM_GRID = 50;

    /**
     * Validates what can be checked without the model, naming the option; {@link #settings()}
     * checks the rest against the model and the method.
     */
    public Erasure {
        Objects.requireNonNull(model, "model");
        targets = targets == null ? List.of() : List.copyOf(targets);
        if (method == null) method = EsdFamily.esd();
        if (listener == null) listener = ProgressListener.NONE;
        if (iterations != null && iterations <= 0) throw new IllegalArgumentException("iterations must be > 0, got " + iterations);
        if (learningRate != null && (!(learningRate > 0) || Double.isInfinite(learningRate))) {
            throw new IllegalArgumentException("learningRate must be a positive number, got " + learningRate);
        }
        if (ddimGrid != null && ddimGrid < 2) throw new IllegalArgumentException("ddimGrid must be ≥ 2, got " + ddimGrid);
        if (latentSize != null && (latentSize <= 0 || latentSize % 8 != 0)) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of 8, got " + latentSize);
        }
        if (startGuidance != null) Finite.require("startGuidance", startGuidance);
        if (negativeGuidance != null) Finite.require("negativeGuidance", negativeGuidance);
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

    /** Erasure on any model the engine can drive (see {@link ErasureModel}): plain ESD, every option at its default. */
    public static Erasure of(ErasureModel model) {
        return new Erasure(Objects.requireNonNull(model, "model"), List.of(), null, EsdFamily.esd(), null, null, null,
                null, null, null, null, null, null, 0, null, null, ProgressListener.NONE);
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
     * The erasure method with its own options: {@code Methods.esd()}, {@code Methods.eap(50)},
     * {@code Methods.uce()}, {@code Methods.conceptAblation()}, {@code Methods.advUnlearn()},
     * {@code Methods.advAnchor()}; the last choice wins. Leaving the ESD family after {@link #preserve}
     * or {@link #vocabulary} set its options is refused, naming both, rather than dropping them.
     */
    public Erasure method(Method m) {
        Objects.requireNonNull(m, "method");
        if (!(m instanceof EsdFamily) && method instanceof EsdFamily f && !f.equals(EsdFamily.esd())) {
            throw new IllegalArgumentException("method(" + m.name() + ") would drop the ESD family's options set before it ("
                    + describe(f) + "): " + m.name() + " does not use them; drop them or choose one method");
        }
        return Records.with(this, "method", m);
    }

    /**
     * What the ESD family keeps (methods.md §2): none (plain ESD), fixed concepts, adversarial (EAP) or
     * continuous; the same as {@code method(Methods.esd().preserve(p))} (an EAP vocabulary set stays).
     */
    public Erasure preserve(Preserve p) {
        return Records.with(this, "method", esdFamily("preserve(" + p + ")").preserve(p));
    }

    /** EAP's candidate pool (default EN3K); the same as {@code method(Methods.eap(k).vocabulary(v))}. */
    public Erasure vocabulary(Vocabulary v) {
        return Records.with(this, "method", esdFamily("vocabulary(" + v + ")").vocabulary(v));
    }

    /** EAP's candidate pool by its official name ("EN3K"); an unknown name is refused, naming the known ones. */
    public Erasure vocabulary(String name) {
        return Records.with(this, "method", esdFamily("vocabulary(" + name + ")").vocabulary(name));
    }

    /** The chosen ESD-family method, or a refusal naming {@code option} and the method that does not use it. */
    private EsdFamily esdFamily(String option) {
        if (method instanceof EsdFamily f) return f;
        throw new IllegalArgumentException(option + " is an option of the ESD family (ESD, EAP), but method(" + method.name()
                + ") is chosen; give " + method.name() + "'s own options in its record instead");
    }

    private static String describe(EsdFamily f) {
        return "preserve(" + f.preserve() + ")" + (f.vocabulary() == null ? "" : ", vocabulary(" + f.vocabulary() + ")");
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
        return Records.with(this, "compat", Objects.requireNonNull(c, "compat"));
    }

    /** Progress reports (step, losses, current adversarial concept) on the running thread. */
    public Erasure onProgress(ProgressListener l) {
        return Records.with(this, "listener", l);
    }

    /** Writes a resumable checkpoint every {@code n} θ updates into {@code dir} (atomically). */
    public Erasure checkpointEvery(int n, Path dir) {
        return Records.with(this, "checkpointEvery", n, "checkpointDir", dir);
    }

    /** Continues from the newest checkpoint in {@code dir}; the configuration must match (iterations may grow). */
    public Erasure resume(Path dir) {
        return Records.with(this, "resumeDir", dir);
    }

    /** The validated settings, the method's defaults filled in; throws IllegalArgumentException naming the bad setting. */
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
        refuseUnused();
        int latent = latentSize != null ? latentSize : model.defaultLatentSize();
        if (latent <= 0 || latent % 8 != 0) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of 8, got " + latent);
        }
        int grid = ddimGrid != null ? ddimGrid : DEFAULT_DDIM_GRID;
        int timesteps = model.alphasCumprod().length;
        if (grid < 2 || grid > timesteps) {
            throw new IllegalArgumentException("ddimGrid must be in [2, " + timesteps + "], got " + grid);
        }
        Params params = this.params != null ? this.params : Params.crossAttention();
        if (method.options().contains(Option.TRAIN) && params.select(model.unetWeights().keys()).isEmpty()) {
            throw new IllegalArgumentException("parameter filter '" + params.name() + "' selects none of the UNet's "
                    + model.unetWeights().keys().size() + " tensors");
        }
        Settings s = new Settings(words, params, iterations != null ? iterations : method.defaultIterations(),
                learningRate != null ? learningRate : method.defaultLearningRate(), seed != null ? seed : 0, grid, latent,
                startGuidance != null ? startGuidance : 3f, negativeGuidance != null ? negativeGuidance : 1f,
                compat != null ? compat : Compat.OFFICIAL, checkpointEvery, checkpointDir);
        method.validate(model, s);
        return s;
    }

    /** An option the chosen method does not read is refused, naming both, instead of being dropped. */
    private void refuseUnused() {
        Map<Option, Boolean> set = new EnumMap<>(Option.class);
        set.put(Option.TRAIN, params != null);
        set.put(Option.ITERATIONS, iterations != null);
        set.put(Option.LEARNING_RATE, learningRate != null);
        set.put(Option.SEED, seed != null);
        set.put(Option.DDIM_GRID, ddimGrid != null);
        set.put(Option.LATENT_SIZE, latentSize != null);
        set.put(Option.START_GUIDANCE, startGuidance != null);
        set.put(Option.NEGATIVE_GUIDANCE, negativeGuidance != null);
        set.put(Option.COMPAT, compat != null);
        set.put(Option.CHECKPOINTS, checkpointEvery > 0 || resumeDir != null);
        for (Map.Entry<Option, Boolean> e : set.entrySet()) {
            if (e.getValue() && !method.options().contains(e.getKey())) {
                throw new IllegalArgumentException(e.getKey().wither() + "(..) is not used by " + method.name()
                        + " (it reads " + (method.options().isEmpty() ? "none of the common options" : method.options().stream()
                        .map(Option::wither).toList()) + "); drop " + e.getKey().wither() + "(..)");
            }
        }
    }

    /**
     * Runs to each of {@code counts} θ updates (ascending) as one run: the run to each count resumes the previous
     * count's checkpoint (in a temporary folder, deleted after), and a resumed run is bit-identical to an
     * uninterrupted one, so a strength curve costs its largest count instead of the sum of its counts. {@code each}
     * gets every result with its count; all but the last are closed after it returns, and the last (the largest
     * count's, or a cancelled run's, which ends the curve) is returned for the caller to close. A method without
     * checkpoints runs once per count; one that reads no iterations (UCE's closed form) runs once per count as it is.
     */
    public ErasureResult runThrough(List<Integer> counts, BiConsumer<Integer, ErasureResult> each) {
        if (checkpointDir != null || resumeDir != null) {
            throw new IllegalArgumentException("runThrough keeps its own checkpoints; drop checkpointEvery/resume");
        }
        List<Integer> sorted = counts.stream().sorted().distinct().toList();
        if (sorted.isEmpty() || sorted.get(0) < 1) throw new IllegalArgumentException("counts must be ≥ 1, got " + counts);
        boolean counted = method.options().contains(Option.ITERATIONS);
        boolean chained = counted && sorted.size() > 1 && method.options().contains(Option.CHECKPOINTS);
        Path dir = null;
        try {
            if (chained) dir = Files.createTempDirectory("erasure-curve");
            for (int k = 0; ; k++) {
                int n = sorted.get(k);
                boolean last = k == sorted.size() - 1;
                Erasure e = counted ? iterations(n) : this;
                if (chained) {
                    e = e.checkpointEvery(last ? 0 : n, dir); // exactly one checkpoint, at n, for the next count
                    if (k > 0) e = e.resume(dir);
                }
                ErasureResult r = e.run();
                try {
                    each.accept(n, r);
                } catch (RuntimeException | Error ex) {
                    r.close();
                    throw ex;
                }
                if (last || r.cancelled()) return r;
                r.close();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot make or delete the curve's checkpoint folder " + dir, ex);
        } finally {
            if (dir != null) {
                try {
                    AtomicFiles.deleteTree(dir);
                } catch (IOException ex) {
                    System.err.println("warning: could not delete " + dir + ": " + ex.getMessage());
                }
            }
        }
    }

    /** Validates, then runs the method; a cancelled run returns its partial result flagged {@code cancelled()}. */
    public ErasureResult run() {
        Settings s = settings();
        Djl.gradOffOnThisThread(); // grad mode is per thread: any thread may run this
        return new ErasureResult(method.run(model, s, listener, resumeDir));
    }
}
