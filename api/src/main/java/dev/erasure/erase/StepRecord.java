package dev.erasure.erase;

import java.util.Map;

/**
 * One loop iteration of an erasure run, as its history records it. Each method records its own
 * kind ({@link Esd.Step}, {@link FixedPreservation.Step}, {@link AdversarialPreservation.Step},
 * {@link ConceptAblation.Step}, {@link AdvUnlearn.Step},
 * {@link AdvAnchor.Step}); the shared loop, checkpoints, sweeps and the history table read only
 * what every method records, and the table adds each record's own components as columns.
 */
public interface StepRecord {
    /** Loop index i (EAP runs P loop iterations per θ update). */
    int iteration();

    /** θ updates done after this iteration. */
    int step();

    /** The erased concept this iteration trained on. */
    String target();

    /** Named loss values ("loss", "erase", "preserve", …). */
    Map<String, Double> losses();

    /** Whether this iteration updated θ (EAP and AdvAnchor also record the adversary's iterations). */
    default boolean updatesModel() {
        return true;
    }

    /** The progress bar's status line: the target, or what the adversary set against it. */
    default String status() {
        return target();
    }

    /** What every method records: read where the method's own kind does not matter (a checkpoint's position). */
    record Common(int iteration, int step, String target, Map<String, Double> losses) implements StepRecord {
    }
}
