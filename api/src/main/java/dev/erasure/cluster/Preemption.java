package dev.erasure.cluster;

import dev.erasure.progress.Cancellation;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM as a stop request. SLURM sends TERM before it kills a preempted or timed-out task
 * ({@code --signal=B:TERM@120}, {@code scancel --signal=TERM}), Kubernetes before it evicts a pod. The
 * JVM's default is to exit at once (code 143), losing the item in progress; instead the handler asks
 * the worker thread's {@link Cancellation} token to stop at the next boundary between whole items: an
 * erasure finishes its iteration and checkpoints it (a sweep gives every configuration a checkpoint
 * folder), a protocol finishes its image. Everything finished so far is on disk, the requeued task
 * resumes the erasure in hand bit-exactly, and the shard exits with {@link ShardRun#PREEMPTED}. If
 * no boundary comes within {@link #GRACE_MILLIS} (an iteration longer than that), the token is
 * cancelled outright, as before, so the task still ends before the scheduler kills it.
 */
public final class Preemption {
    /** Time from TERM to an outright cancel: below SLURM's default 120 s between TERM and KILL. */
    public static final long GRACE_MILLIS = 90_000;

    private static final AtomicBoolean REQUESTED = new AtomicBoolean();
    private static volatile Thread grace;

    private Preemption() {
    }

    /** Installs the handler for the calling thread, the one that runs the work. */
    public static void install() {
        Cancellation token = Cancellation.current();
        Signal.handle(new Signal("TERM"), sig -> {
            System.err.println("SIGTERM: stopping after the item in hand (an erasure checkpoints it); finished items are kept");
            stop(token, GRACE_MILLIS);
        });
    }

    /** What TERM does: a stop request now, an outright cancel after {@code graceMillis} (a daemon timer). */
    static void stop(Cancellation token, long graceMillis) {
        REQUESTED.set(true);
        token.requestStop();
        disarm();
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(graceMillis);
                token.cancel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "preemption-grace");
        timer.setDaemon(true);
        grace = timer;
        timer.start();
    }

    /** Ends a pending grace period (the work stopped in time): no cancel comes later to hit other work. */
    static void disarm() {
        Thread t = grace;
        grace = null;
        if (t != null) t.interrupt();
    }

    /** Whether a SIGTERM arrived. */
    public static boolean requested() {
        return REQUESTED.get();
    }
}
