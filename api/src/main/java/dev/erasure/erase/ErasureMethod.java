package dev.erasure.erase;

import dev.erasure.train.Adam;
import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Map;

/** One erasure algorithm: its per-iteration schedule and loss; the loop around it is shared ({@link Trainer}). */
public interface ErasureMethod {
    String name();

    /** Loop iterations per θ update (EAP: P = pgd_num_steps; others 1). */
    default int iterationsPerStep() {
        return 1;
    }

    /** Runs loop iteration i (sampling, latents, losses, backward, optimiser steps). */
    StepRecord iterate(int iteration);

    /** Method state beyond θ and its Adam (π and its Adam, an adversarial embedding), for checkpoints. */
    default Map<String, NDArray> state() {
        return Map.of();
    }

    default void restore(Map<String, NDArray> state) {
    }

    /**
     * The method's own settings a checkpoint must match to be resumed, by name (beyond the common
     * {@link Settings#configuration()}); empty for the ESD family, whose settings are all common.
     */
    default Map<String, String> configuration() {
        return Map.of();
    }

    /** EAP's candidate sets (empty for other methods). */
    default List<CandidateSet> candidates() {
        return List.of();
    }
}
