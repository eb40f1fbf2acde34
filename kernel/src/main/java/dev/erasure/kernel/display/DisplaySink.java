package dev.erasure.kernel.display;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

/** Where display output goes: the running cell's IOPub stream, or nowhere between cells. */
public interface DisplaySink {
    /** Publishes display_data; {@code data} may carry a display id for later updates. */
    void display(DisplayData data);

    /** Publishes update_display_data for the display id that {@code data} carries. */
    void update(DisplayData data);
}
