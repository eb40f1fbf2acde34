package dev.erasure.progress;

/** Receives {@link Progress} reports. Called on the thread that runs the task. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> { };

    void onProgress(Progress progress);

    default ProgressListener andThen(ProgressListener next) {
        if (next == null || next == NONE) return this;
        if (this == NONE) return next;
        return p -> { onProgress(p); next.onProgress(p); };
    }
}
