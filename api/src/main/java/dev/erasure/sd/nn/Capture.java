package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Records sub-module outputs under their diffusers module names ("down_blocks.0.resnets.1") so a
 * mismatch can be located against reference activations. {@link #NONE} records nothing, so the
 * plain forward pays only a null check.
 */
public final class Capture {
    public static final Capture NONE = new Capture(null, "");

    private final Map<String, NDArray> sink;
    private final String path;

    private Capture(Map<String, NDArray> sink, String path) {
        this.sink = sink;
        this.path = path;
    }

    /** Capture into {@code sink}; a null sink records nothing. */
    public static Capture into(Map<String, NDArray> sink) {
        return sink == null ? NONE : new Capture(sink, "");
    }

    /** The capture for the child module {@code name} of this one. */
    public Capture sub(String name) {
        if (sink == null) return this;
        return new Capture(sink, path.isEmpty() ? name : path + "." + name);
    }

    /** Records {@code x} as the output of this module and returns it. */
    public NDArray out(NDArray x) {
        if (sink != null) sink.put(path, x);
        return x;
    }

    /**
     * Runs child module {@code name} in its own NDScope ({@link Scopes#keepOnly}) and records its output: without
     * it every temporary of a UNet forward lived until the caller's step ended, activations autograd does not
     * need included. With a sink the module's inner captures must survive, so it runs unscoped.
     */
    public NDArray scoped(String name, Supplier<NDArray> body) {
        return sink != null ? put(name, body.get()) : Scopes.keepOnly(body);
    }

    /** Records {@code x} as the output of child module {@code name} and returns it. */
    public NDArray put(String name, NDArray x) {
        if (sink != null) sink.put(path.isEmpty() ? name : path + "." + name, x);
        return x;
    }
}
