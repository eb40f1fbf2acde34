package dev.erasure.erase;

import dev.erasure.train.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.core.Params;
import dev.erasure.sd.Weights;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The selected UNet subset as writable copies (the frozen originals may be read-only memory
 * maps and are never touched), plus the overlay view that shares every other tensor with the
 * frozen model. Only these copies require gradient and only they get optimiser state.
 */
public final class TrainableWeights {
    private final Weights frozen;
    private final Map<String, NDArray> tensors;
    private final Weights overlay;

    private TrainableWeights(Weights frozen, Map<String, NDArray> tensors) {
        this.frozen = frozen;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.overlay = frozen.overlay(tensors);
    }

    /** Copies the tensors {@code params} selects into {@code manager}; rejects a filter that selects nothing. */
    public static TrainableWeights select(Weights frozen, Params params, NDManager manager) {
        List<String> keys = params.select(frozen.keys());
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("parameter filter '" + params.name() + "' selects no UNet tensor of "
                    + frozen.source() + " (" + frozen.keys().size() + " tensors)");
        }
        return copies(frozen, keys, manager);
    }

    /** Gradient-requiring copies of {@code keys} of {@code frozen} (any network: AdvUnlearn trains the text encoder). */
    public static TrainableWeights copies(Weights frozen, List<String> keys, NDManager manager) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        for (String k : keys) {
            NDArray src = frozen.get(k);
            NDArray c = Tensors.copyOf(src);
            c.attach(manager);
            c.setName(k);
            c.setRequiresGradient(true);
            copies.put(k, c);
        }
        return new TrainableWeights(frozen, copies);
    }

    /** Already-made replacement tensors (e.g. UCE's closed-form edit) over {@code frozen}. */
    public static TrainableWeights of(Weights frozen, Map<String, NDArray> replaced) {
        return new TrainableWeights(frozen, new LinkedHashMap<>(replaced));
    }

    /** No trainable UNet tensor (the overlay is the frozen UNet): for methods that train something else. */
    public static TrainableWeights none(Weights frozen) {
        return new TrainableWeights(frozen, new LinkedHashMap<>());
    }

    /** The trainable copies by diffusers key (live: the optimiser updates them in place). */
    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /** The full UNet weights: the trainable copies over the shared frozen tensors. */
    public Weights overlay() {
        return overlay;
    }

    public Weights frozen() {
        return frozen;
    }

    public long parameterCount() {
        long n = 0;
        for (NDArray a : tensors.values()) n += a.getShape().size();
        return n;
    }

    /** Turns gradient recording of the subset on or off (off for adversary-only backwards). */
    public void requireGradient(boolean on) {
        for (NDArray a : tensors.values()) a.setRequiresGradient(on);
    }

    /** Overwrites the copies with saved values (checkpoint resume). */
    public void load(Map<String, NDArray> saved, String source) {
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray s = saved.get(e.getKey());
            if (s == null) throw new IllegalArgumentException(source + " lacks trained tensor '" + e.getKey() + "'");
            if (!s.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException(source + ": '" + e.getKey() + "' has shape " + s.getShape()
                        + ", expected " + e.getValue().getShape());
            }
            Tensors.copyInto(e.getValue(), s);
        }
    }
}
