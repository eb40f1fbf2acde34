package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.nn.Scopes;

import java.util.function.Supplier;

/**
 * Runs a computation in its own NDScope and keeps only its result (re-registered in the enclosing
 * scope), so the activations of no-grad UNet calls (GenLatent steps, frozen forwards) are freed
 * at once instead of piling up until the end of the training step.
 */
final class Scoped {
    private Scoped() {
    }

    static NDArray keepOnly(Supplier<NDArray> body) {
        return Scopes.keepOnly(body);
    }
}
