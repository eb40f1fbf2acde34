package dev.erasure.progress;

/**
 * Thrown by {@link Cancellation#checkIfCancelled()} when the running thread was interrupted (the kernel's
 * interrupt button) or its {@link Cancellation} token was cancelled. Long tasks that can keep a
 * partial result catch it and return that instead of losing the work.
 */
public class CancelledException extends RuntimeException {
    public CancelledException(String message) {
        super(message);
    }
}
