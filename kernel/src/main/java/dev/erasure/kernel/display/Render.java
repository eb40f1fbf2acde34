package dev.erasure.kernel.display;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

/** Writes one value into a MIME bundle (e.g. {@code out.putData("image/png", base64)}). */
@FunctionalInterface
public interface Render<T> {
    void render(T value, DisplayData out) throws Exception;
}
