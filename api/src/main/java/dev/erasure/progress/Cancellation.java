package dev.erasure.progress;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cooperative cancellation. Long-running API code calls {@link #checkIfCancelled()} between UNet calls;
 * it throws {@link CancelledException} when the current thread has been interrupted or when
 * {@link #cancel()} was called on the token bound to this thread.
 */
public final class Cancellation {
    private static final ThreadLocal<Cancellation> CURRENT = ThreadLocal.withInitial(Cancellation::new);

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    /** Open {@link Task}s on this token's thread: code that checks cancellation between steps. */
    private final AtomicInteger openTasks = new AtomicInteger();

    /** The token of the calling thread (created on first use). */
    public static Cancellation current() {
        return CURRENT.get();
    }

    /** Requests cancellation; the task stops at its next checkpoint. Safe from any thread. */
    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    /**
     * Requests a stop at the next boundary between whole items (a training iteration, a sweep
     * configuration, a protocol image), letting the item in hand finish: an erasure that has a
     * checkpoint folder saves its state there first, so a rerun resumes it bit-exactly (what a
     * preempted cluster task does on SIGTERM). {@link #cancel()} stops sooner, inside an item.
     * Safe from any thread.
     */
    public void requestStop() {
        stopRequested.set(true);
    }

    /**
     * At a boundary between whole items: whether a stop was requested ({@link #requestStop()}); the
     * request is taken (cleared), as {@link #checkIfCancelled()} takes a cancellation, so the work
     * that honours it ends and the next run on this thread starts clean.
     */
    public boolean takeStopRequest() {
        return stopRequested.getAndSet(false);
    }

    /** At a boundary between whole items: throws {@link CancelledException} if a stop or a cancellation was requested. */
    public static void checkIfStopRequested() {
        if (CURRENT.get().takeStopRequest()) throw new CancelledException("stopped between items (stop requested)");
        checkIfCancelled();
    }

    /**
     * Whether this token's thread is inside an API task that checks cancellation between its steps
     * (a {@link Task} is open). A supervisor (the kernel's interrupt button) then waits for the task
     * to stop at its next check, with its partial result and its last checkpoint whole, instead of
     * forcing the thread to stop in the middle of, say, a checkpoint write.
     */
    public boolean inCheckingTask() {
        return openTasks.get() > 0;
    }

    void taskOpened() {
        openTasks.incrementAndGet();
    }

    void taskClosed() {
        openTasks.decrementAndGet();
    }

    /** Clears previous requests (cancel and stop), e.g. before the next notebook cell runs. */
    public void reset() {
        cancelled.set(false);
        stopRequested.set(false);
    }

    /** Throws {@link CancelledException} if this thread was interrupted or its token cancelled. */
    public static void checkIfCancelled() {
        Cancellation token = CURRENT.get();
        if (Thread.interrupted() || token.cancelled.getAndSet(false)) {
            throw new CancelledException("cancelled (interrupted)");
        }
    }

    /** @deprecated "checkpoint" is saved state ({@code Checkpoints}); this is {@link #checkIfCancelled()}. */
    @Deprecated
    public static void checkpoint() {
        checkIfCancelled();
    }
}
