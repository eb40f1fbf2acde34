package dev.erasure.progress;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One progress report of a long task: how far it is, and the latest numbers it wants to show
 * (a loss, the current adversarial concept).
 *
 * @param task    human-readable task name, e.g. "EAP erase" or "sample"
 * @param done    units finished so far (iterations, sampling steps, images, configurations)
 * @param total   units in the whole task, or -1 when unknown
 * @param elapsedNanos time since the task started
 * @param metrics latest numeric values, in insertion order (never null)
 * @param message latest free-text status (may be empty, never null)
 */
public record Progress(String task, long done, long total, long elapsedNanos,
                       Map<String, Double> metrics, String message) {

    public Progress {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics == null ? Map.of() : metrics));
        message = message == null ? "" : message;
    }

    /** Fraction finished in [0,1], or NaN when the total is unknown. */
    public double fraction() {
        return total <= 0 ? Double.NaN : Math.min(1.0, (double) done / total);
    }

    /** Estimated nanoseconds left from the average rate so far, or -1 when unknown. */
    public long etaNanos() {
        if (total <= 0 || done <= 0) return -1;
        return (long) ((double) elapsedNanos / done * (total - done));
    }

    public boolean finished() {
        return total > 0 && done >= total;
    }

    /** The word {@link Task#close()} puts in the last report of a task that ended before its total. */
    static final String STOPPED = "stopped";

    /** Whether this is the last report of a task that ended early (cancelled or failed) at {@code done} of {@code total}. */
    public boolean stopped() {
        return total > 0 && done < total && (message.equals(STOPPED) || message.endsWith(" (" + STOPPED + ")"));
    }
}
