package dev.erasure.kernel.exec;

import dev.erasure.progress.Cancellation;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one long-lived thread that runs every cell. Native and GPU state (PyTorch's current
 * device and stream, DJL's NDManager scopes) is thread-local, so all cells must share a thread.
 *
 * <p>Interrupting is layered: first the cooperative way (the API's {@link Cancellation} token
 * and {@link Thread#interrupt()}, checked between UNet calls), then, for a tight loop in cell
 * code that never checks, {@code Thread.stop()} after a grace period where the JDK still has
 * it (17-19). The thread survives either way, so the kernel keeps its state.
 */
public final class ExecutionThread {
    /** How long cooperative cancellation gets before the forced stop. */
    static final long GRACE_MILLIS = Long.getLong("erasure.kernel.interruptGraceMillis", 400);

    private final BlockingQueue<FutureTask<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "erasure-interrupt-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile Cancellation token;
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean busy;
    private volatile boolean inUserCode;
    private volatile boolean interruptRequested;
    /** Where the cell was when it was force-stopped: the ThreadDeath itself is made on the timer thread. */
    private volatile StackTraceElement[] stoppedAt;

    public ExecutionThread() {
        // A large stack: deep model code and user recursion; a StackOverflowError still comes fast.
        thread = new Thread(null, this::loop, "erasure-cell", 64L << 20);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        token = Cancellation.current();
        while (true) {
            try {
                FutureTask<?> task = queue.take();
                Thread.interrupted();  // an interrupt aimed at the previous cell must not leak
                token.reset();
                interruptRequested = false;
                stoppedAt = null;
                busy = true;
                try {
                    task.run();
                } finally {
                    busy = false;
                    generation.incrementAndGet();
                }
            } catch (Throwable late) {
                // A forced stop that landed between tasks (or a take() interrupt): keep serving.
            }
        }
    }

    /** Runs {@code work} on the execution thread and waits for it; its exception is rethrown as is. */
    public <T> T run(Callable<T> work) throws Exception {
        if (Thread.currentThread() == thread) return work.call();  // nested, e.g. %load inside a cell
        FutureTask<T> task = new FutureTask<>(work);
        queue.add(task);
        while (true) {
            try {
                return task.get();
            } catch (InterruptedException ignored) {
                // The shell thread is not interruptible: the cell decides when it ends.
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception ex) throw ex;
                if (cause instanceof Error err) throw err;
                throw e;
            }
        }
    }

    /** Called around the snippet's own code, so a forced stop never hits JShell's compiler. */
    public void enterUserCode() { inUserCode = true; }

    public void exitUserCode() { inUserCode = false; }

    /** Whether an interrupt was requested while the current (or last) cell ran. */
    public boolean wasInterrupted() { return interruptRequested; }

    public boolean isBusy() { return busy; }

    /** The execution thread's stack when the current cell was force-stopped; null if it was not. */
    public StackTraceElement[] stoppedAt() { return stoppedAt; }

    public Thread thread() { return thread; }

    /** Asks the running cell to stop: cooperative now, forced after the grace period. */
    public void interrupt() {
        if (!busy) return;
        interruptRequested = true;
        Cancellation t = token;
        if (t != null) t.cancel();
        thread.interrupt();
        long gen = generation.get();
        timer.schedule(() -> forceStop(gen), GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @SuppressWarnings({"deprecation", "removal"})
    private void forceStop(long gen) {
        if (!busy || generation.get() != gen || !inUserCode) return;
        Cancellation t = token;
        if (t != null && t.inCheckingTask()) { // an API task stops at its next check, its result and checkpoint whole
            timer.schedule(() -> forceStop(gen), GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        try {
            stoppedAt = thread.getStackTrace();
            thread.stop();
        } catch (UnsupportedOperationException jdk20plus) {
            stoppedAt = null;
            System.err.println("[erasure kernel] The cell ignores interrupts and this JDK cannot force-stop a "
                    + "thread; restart the kernel if it does not finish.");
        }
    }
}
