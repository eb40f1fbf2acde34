package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * DJL frees native memory only when an array, its manager or its NDScope is closed, so a computation's
 * temporaries live until the enclosing scope ends unless the computation has a scope of its own.
 */
public final class Scopes {
    private Scopes() {
    }

    /**
     * Runs {@code body} in its own NDScope and keeps only its result, re-registered in the enclosing scope: the
     * body's other temporaries are freed when it returns. Under a gradient collector autograd holds its own
     * references to what the backward reads, so closing the Java handles frees only what nothing needs.
     */
    public static NDArray keepOnly(Supplier<NDArray> body) {
        NDArray out;
        try (NDScope inner = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }
}
