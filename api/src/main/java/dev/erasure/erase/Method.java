package dev.erasure.erase;

import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;

/**
 * An erasure method, as its user configures it (a record from {@code Methods}: the ESD family
 * ({@link EsdFamily}: ESD, EAP, …), UCE, Concept Ablation, AdvUnlearn, AdvAnchor): chosen with
 * {@code Erasure.of(sd).target(..).method(m)}; {@link ErasureMethod} is the per-iteration loss a
 * training method runs inside the shared loop. It
 * receives the validated common settings (targets, steps, learning rate, seed, compat, ...) and
 * owns everything specific to it; its defaults are its paper's documented configuration.
 */
public interface Method {
    /** Short name for tables and sweeps, e.g. "UCE". */
    String name();

    /** θ updates when the caller sets no {@code steps(..)} (the ESD default otherwise). */
    default int defaultSteps() {
        return 1000;
    }

    /** Learning rate when the caller sets no {@code learningRate(..)}. */
    default double defaultLearningRate() {
        return 1e-5;
    }

    /**
     * Whether the common {@code train(Params)} choice applies; false for a method that fixes what it
     * edits (UCE: the K/V projections, Concept Ablation: its group, AdvUnlearn: the text encoder), so
     * that an explicit {@code train(..)} is refused instead of silently ignored.
     */
    default boolean usesParams() {
        return true;
    }

    /** Rejects settings this method cannot use, before any compute (IllegalArgumentException naming them). */
    default void validate(ErasureModel model, Settings settings) {
    }

    /** Runs the method; a cancelled run returns its partial outcome flagged {@code cancelled()}. */
    Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir);
}
