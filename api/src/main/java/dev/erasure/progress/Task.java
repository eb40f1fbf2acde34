package dev.erasure.progress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A running long task that reports progress to its own listener and to every globally
 * registered listener (the notebook kernel registers one to draw progress bars), and checks
 * for cancellation on every {@link #step}.
 *
 * <pre>
 * try (Task task = Task.start("sample", samplingSteps, listener)) {
 *     for (...) { ...; task.step(Map.of("loss", loss)); }
 * }
 * </pre>
 */
public final class Task implements AutoCloseable {
    private static final List<ProgressListener> GLOBAL = new CopyOnWriteArrayList<>();

    private final String name;
    private final long total;
    private final ProgressListener listener;
    private final long startNanos = System.nanoTime();
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private long done;
    private String message = "";
    private boolean closed;
    private final Cancellation token = Cancellation.current();

    private Task(String name, long total, ProgressListener listener) {
        this.name = name;
        this.total = total;
        this.listener = listener == null ? ProgressListener.NONE : listener;
    }

    /** Starts a task of {@code total} units (-1 if unknown) and reports 0 done. */
    public static Task start(String name, long total, ProgressListener listener) {
        Task t = new Task(name, total, listener);
        t.token.taskOpened();
        t.report();
        return t;
    }

    /** Adds a listener that sees every task of every thread (e.g. the kernel's progress bar). */
    public static void addGlobalListener(ProgressListener l) {
        GLOBAL.add(l);
    }

    public static void removeGlobalListener(ProgressListener l) {
        GLOBAL.remove(l);
    }

    /** Checks for cancellation without advancing (call it between UNet calls). */
    public void checkIfCancelled() {
        Cancellation.checkIfCancelled();
    }

    /** @deprecated "checkpoint" is saved state ({@code Checkpoints}); this is {@link #checkIfCancelled()}. */
    @Deprecated
    public void checkpoint() {
        checkIfCancelled();
    }

    /** One unit done, with the latest metrics; then a cancellation check. */
    public void step(Map<String, Double> latest) {
        step(1, latest, null);
    }

    public void step() {
        step(1, null, null);
    }

    /** {@code units} done, latest metrics and message (either may be null). */
    public void step(long units, Map<String, Double> latest, String status) {
        done += units;
        if (latest != null) metrics.putAll(latest);
        if (status != null) message = status;
        report();
        Cancellation.checkIfCancelled();
    }

    public long done() {
        return done;
    }

    private void report() {
        Progress p = new Progress(name, done, total, System.nanoTime() - startNanos, metrics, message);
        listener.onProgress(p);
        for (ProgressListener g : GLOBAL) g.onProgress(p);
    }

    /** Reports a final state even when the loop ended early (cancelled or failed). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        token.taskClosed();
        if (total > 0 && done < total) message = message.isEmpty() ? Progress.STOPPED : message + " (" + Progress.STOPPED + ")";
        if (total <= 0 || done < total) report();
    }
}
