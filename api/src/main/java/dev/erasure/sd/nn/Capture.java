package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;

import java.util.Map;
import java.util.function.Function;

/**
 * Records sub-module outputs under their diffusers module names ("down_blocks.0.resnets.1") so a
 * mismatch can be located against reference activations. {@link #NONE} records nothing, so the
 * plain forward pays only a null check. It travels with the forward through every module, so it also carries
 * the forward's {@link MemorySaving}.
 */
public final class Capture {
    public static final Capture NONE = new Capture(null, "", MemorySaving.NONE);

    private final Map<String, NDArray> sink;
    private final String path;
    private final MemorySaving saving;

    private Capture(Map<String, NDArray> sink, String path, MemorySaving saving) {
        this.sink = sink;
        this.path = path;
        this.saving = saving;
    }

    /** Capture into {@code sink}; a null sink records nothing. */
    public static Capture into(Map<String, NDArray> sink) {
        return into(sink, MemorySaving.NONE);
    }

    /** Capture into {@code sink} (null: record nothing) for a forward run with {@code saving}. */
    public static Capture into(Map<String, NDArray> sink, MemorySaving saving) {
        return sink == null && saving.equals(MemorySaving.NONE) ? NONE : new Capture(sink, "", saving);
    }

    /** The capture for the child module {@code name} of this one. */
    public Capture sub(String name) {
        if (sink == null) return this;
        return new Capture(sink, path.isEmpty() ? name : path + "." + name, saving);
    }

    /** The forward's memory options. */
    public MemorySaving saving() {
        return saving;
    }

    /** Records {@code x} as the output of this module and returns it. */
    public NDArray out(NDArray x) {
        if (sink != null) sink.put(path, x);
        return x;
    }

    /**
     * Runs child module {@code name}, {@code body(inputs)}, in its own NDScope ({@link Scopes#keepOnly}) and records
     * its output: without it every temporary of a UNet forward lived until the caller's step ended, activations
     * autograd does not need included. Under gradient checkpointing the module is a checkpointed block
     * ({@link Checkpointing#run}), so the body must read the tensors it differentiates through {@code inputs} only
     * (weights are looked up by name). With a sink the module's inner captures must survive, so it runs unscoped.
     */
    public NDArray scoped(String name, Function<NDArray[], NDArray> body, NDArray... inputs) {
        if (sink != null) return put(name, body.apply(inputs));
        return saving.gradientCheckpointing() ? Checkpointing.run(body, inputs) : Scopes.keepOnly(() -> body.apply(inputs));
    }

    /** Records {@code x} as the output of child module {@code name} and returns it. */
    public NDArray put(String name, NDArray x) {
        if (sink != null) sink.put(path.isEmpty() ? name : path + "." + name, x);
        return x;
    }
}
