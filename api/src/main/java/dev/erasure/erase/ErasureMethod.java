package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.train.Adam;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/**
 * One erasure algorithm: its per-iteration schedule and loss; the loop around it is shared ({@link Trainer}).
 *
 * @param <R> the record of one iteration this method writes into the history
 */
public interface ErasureMethod<R extends StepRecord> {
    String name();

    /**
     * The class of this method's history records (read back from checkpoints as such): the {@code R}
     * its class names in {@code implements ErasureMethod<R>} (or a sub-interface of it whose only type
     * parameter is R).
     */
    @SuppressWarnings("unchecked")
    default Class<R> recordType() {
        for (Type t : getClass().getGenericInterfaces()) {
            if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw && ErasureMethod.class.isAssignableFrom(raw)
                    && p.getActualTypeArguments()[0] instanceof Class<?> c) { // ErasureMethod<R> or a sub-interface's <R>
                return (Class<R>) c;
            }
        }
        throw new IllegalStateException(getClass().getName() + " does not name its history record: implement"
                + " ErasureMethod<SomeRecord> or override recordType()");
    }

    /** Loop iterations per θ update (EAP: P = pgd_num_steps; others 1). */
    default int iterationsPerStep() {
        return 1;
    }

    /** Runs loop iteration i (sampling, latents, losses, backward, optimiser steps). */
    R iterate(int iteration);

    /** Method state beyond θ and its Adam (π and its Adam, an adversarial embedding), for checkpoints. */
    default Map<String, NDArray> state() {
        return Map.of();
    }

    default void restore(Map<String, NDArray> state) {
    }

    /**
     * The method's own settings a checkpoint must match to be resumed, by name (beyond the common
     * {@link Settings#configuration()}).
     */
    default Map<String, String> configuration() {
        return Map.of();
    }

    /** EAP's candidate sets (empty for other methods). */
    default List<CandidateSet> candidates() {
        return List.of();
    }
}
