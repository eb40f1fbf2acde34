package dev.erasure.cluster;

import dev.erasure.progress.Cancellation;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM as a cancellation request. SLURM sends TERM before it kills a preempted or timed-out task
 * ({@code --signal=B:TERM@120}, {@code scancel --signal=TERM}), Kubernetes before it evicts a pod. The
 * JVM's default is to exit at once (code 143), losing the item in progress; instead the handler cancels
 * the worker thread's {@link Cancellation} token, the running sweep/protocol stops at its next checkpoint
 * with everything finished so far already on disk, and the shard exits with {@link ShardRun#PREEMPTED}.
 */
public final class Preemption {
    private static final AtomicBoolean REQUESTED = new AtomicBoolean();

    private Preemption() {
    }

    /** Installs the handler for the calling thread, the one that runs the work. */
    public static void install() {
        Cancellation token = Cancellation.current();
        Signal.handle(new Signal("TERM"), sig -> {
            REQUESTED.set(true);
            token.cancel();
            System.err.println("SIGTERM: stopping at the next checkpoint; finished items are kept");
        });
    }

    /** Whether a SIGTERM arrived. */
    public static boolean requested() {
        return REQUESTED.get();
    }
}
