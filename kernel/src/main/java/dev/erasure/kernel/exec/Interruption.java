package dev.erasure.kernel.exec;

import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;

/**
 * What an interrupted cell tells the user: which API task stopped where ("EAP erase [church]
 * stopped at 6 of 200") and where its partial result went ("partial result in r"). It watches the
 * API's progress reports on the execution thread only, so other threads' tasks never show up.
 * The last early-stopped report of a cell wins: nested tasks close inside out, so that is the
 * outermost one (a protocol's image count, not the sampler step of its last image).
 */
final class Interruption implements ProgressListener {
    private final Thread cellThread;
    private volatile Progress stopped;

    Interruption(Thread cellThread) {
        this.cellThread = cellThread;
    }

    @Override
    public void onProgress(Progress p) {
        if (Thread.currentThread() == cellThread && p.stopped()) stopped = p;
    }

    /** Called when a cell starts. */
    void reset() {
        stopped = null;
    }

    /**
     * The message of an interrupted cell. {@code keptIn}: the variable that holds the value the
     * interrupted call returned (null when it returned nothing); {@code threw}: it ended with an
     * exception instead; {@code at}: the cell line it stopped at, or null.
     */
    String message(String keptIn, boolean threw, String at) {
        StringBuilder m = new StringBuilder("Cell interrupted");
        if (at != null) m.append(" at ").append(at);
        Progress p = stopped;
        if (p != null) m.append(": ").append(p.task()).append(" stopped at ").append(p.done()).append(" of ").append(p.total());
        if (keptIn != null) m.append("; partial result in ").append(keptIn);
        else if (p != null && threw) m.append("; it returned no partial result");
        return m.append(" (the kernel and its variables are kept)").toString();
    }
}
