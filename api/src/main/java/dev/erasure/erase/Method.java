package dev.erasure.erase;

import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * An erasure method, as its user configures it (a record from {@code Methods}: the ESD family
 * ({@link EsdFamily}: ESD, EAP, …), UCE, Concept Ablation, AdvUnlearn, AdvAnchor): chosen with
 * {@code Erasure.of(sd).target(..).method(m)}; {@link ErasureMethod} is the per-iteration loss a
 * training method runs inside the shared loop. It receives the validated common settings
 * ({@link Settings}) and owns everything specific to it; its defaults are its paper's documented
 * configuration.
 */
public interface Method {
    /**
     * The options every method may share ({@code Erasure}'s withers, by name). A method reads only
     * some of them ({@link #options()}); setting one it does not read is refused, naming both,
     * instead of being silently dropped.
     */
    enum Option {
        /** {@code train(Params)}: which UNet tensors θ is. */
        TRAIN,
        /** {@code iterations(n)}: θ updates. */
        ITERATIONS,
        LEARNING_RATE,
        SEED,
        /** {@code ddimGrid(n)}: GenLatent's DDIM grid. */
        DDIM_GRID,
        LATENT_SIZE,
        /** {@code startGuidance(s)}: GenLatent's CFG scale. */
        START_GUIDANCE,
        /** {@code negativeGuidance(η)}: the ESD target's η. */
        NEGATIVE_GUIDANCE,
        COMPAT,
        /** {@code checkpointEvery(n, dir)} and {@code resume(dir)}. */
        CHECKPOINTS;

        /** The wither's name, e.g. "ddimGrid" (CHECKPOINTS: "checkpointEvery/resume"). */
        public String wither() {
            if (this == CHECKPOINTS) return "checkpointEvery/resume";
            String[] parts = name().toLowerCase(Locale.ROOT).split("_");
            StringBuilder b = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) b.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            return b.toString();
        }
    }

    /** Short name for tables and sweeps, e.g. "UCE". */
    String name();

    /** The common options this method reads (all of them unless it says otherwise). */
    default Set<Option> options() {
        return EnumSet.allOf(Option.class);
    }

    /** θ updates when the caller sets no {@code iterations(..)}. */
    default int defaultIterations() {
        return 1000;
    }

    /** Learning rate when the caller sets no {@code learningRate(..)}. */
    default double defaultLearningRate() {
        return 1e-5;
    }

    /** Rejects settings this method cannot use, before any compute (IllegalArgumentException naming them). */
    default void validate(ErasureModel model, Settings settings) {
    }

    /** Runs the method; a cancelled run returns its partial outcome flagged {@code cancelled()}. */
    Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir);
}
