package dev.erasure.erase;

import dev.erasure.train.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
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
 *
 * <p>Mixed precision: the copies of half-precision tensors are fp32 master weights (Adam's
 * ε = 1e-8 is 0 in fp16 and a step of lr·m/√v rounds away against fp16 weights), read by the
 * model as fp16 through a cast at use ({@link Weights#overlay(Map, DataType)}), so the forward and
 * backward run in fp16 and the gradient and the update land on fp32.
 */
public final class TrainableWeights {
    private final Weights frozen;
    private final Map<String, NDArray> tensors;
    private final Weights overlay;

    private TrainableWeights(Weights frozen, Map<String, NDArray> tensors) {
        this.frozen = frozen;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.overlay = frozen.overlay(tensors, modelType(frozen, tensors));
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
            DataType master = src.getDataType() == DataType.FLOAT16 ? DataType.FLOAT32 : src.getDataType();
            NDArray c = manager.zeros(src.getShape(), master, src.getDevice());
            Tensors.copyInto(c, src);
            NDScope.unregister(c); // lives as long as the run, not the scope that made it
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

    /** The type the model reads the copies as: the frozen tensors' (the masters are cast to it at use). */
    private static DataType modelType(Weights frozen, Map<String, NDArray> copies) {
        return copies.isEmpty() ? null : frozen.asMap().get(copies.keySet().iterator().next()).getDataType();
    }

    /** Whether the copies are fp32 masters of a half-precision model (mixed precision). */
    public boolean mixedPrecision() {
        return tensors.entrySet().stream().anyMatch(e -> e.getValue().getDataType() != frozen.asMap().get(e.getKey()).getDataType());
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
