package dev.erasure.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

/**
 * Accumulated gradients as resumable state. The official AdvAnchor never zeroes θ's and δ's
 * gradients, so each step adds to a running sum that a checkpoint must carry to resume bit-exactly.
 */
public final class Gradients {
    private Gradients() {
    }

    /**
     * Sets {@code p}'s gradient to exactly {@code g} (grad mode off, outside any collector). DJL's
     * {@code getGradient()} aliases torch's {@code .grad} only once a backward has defined it (before,
     * it returns detached zeros), so one backward of Σp defines it first; the copy then overwrites it.
     */
    public static void set(NDArray p, NDArray g) {
        try (NDScope scope = new NDScope()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.sum());
            }
            Tensors.copyInto(p.getGradient(), g);
        }
    }
}
