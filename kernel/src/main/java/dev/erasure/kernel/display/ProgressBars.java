package dev.erasure.kernel.display;

import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Turns the API's progress reports into one live display per task name that is updated in place
 * (update_display_data), at most every {@link #MIN_INTERVAL_NANOS}: a 50-step sampler must not
 * send 50 PNG-sized messages a second, but the final state is always shown. A task that starts
 * again in the same cell (the sampler of every prompt of an evaluation) reuses its bar, titled
 * "run n", instead of stacking a new bar per run.
 */
public final class ProgressBars implements ProgressListener {
    static final long MIN_INTERVAL_NANOS = 200_000_000L;

    private static final class Bar {
        final String id = "erasure-progress-" + UUID.randomUUID();
        long lastShownNanos;
        int runs = 1;
        Progress pending;
        Progress last;
    }

    private final DisplaySink sink;
    private final LongSupplier clock;
    private final Map<String, Bar> bars = new LinkedHashMap<>();

    public ProgressBars(DisplaySink sink) {
        this(sink, System::nanoTime);
    }

    ProgressBars(DisplaySink sink, LongSupplier clock) {
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = clock.getAsLong();
        Bar bar = bars.get(p.task());
        if (bar == null) {
            bar = new Bar();
            bars.put(p.task(), bar);
            show(bar, p, now, true);
            return;
        }
        boolean restarted = p.done() == 0 && bar.last != null && bar.last.done() > 0;
        if (restarted) bar.runs++;
        boolean important = restarted || p.finished() || p.stopped();
        if (important || now - bar.lastShownNanos >= MIN_INTERVAL_NANOS) show(bar, p, now, false);
        else bar.pending = p;
    }

    /** Shows every report that the throttle held back (called when a cell ends). */
    public synchronized void flush() {
        for (Bar bar : bars.values()) {
            if (bar.pending != null) show(bar, bar.pending, clock.getAsLong(), false);
        }
    }

    /** Flushes and forgets the bars, so the next cell draws fresh ones. */
    public synchronized void reset() {
        flush();
        bars.clear();
    }

    private void show(Bar bar, Progress report, long now, boolean first) {
        Progress p = bar.runs == 1 ? report : new Progress(report.task() + " · run " + bar.runs, report.done(), report.total(),
                report.elapsedNanos(), report.metrics(), report.message());
        DisplayData data = new DisplayData();
        data.putHTML(ProgressFormat.html(p));
        data.putText(ProgressFormat.text(p));
        data.setDisplayId(bar.id);
        if (first) sink.display(data);
        else sink.update(data);
        bar.lastShownNanos = now;
        bar.pending = null;
        bar.last = report;
    }
}
