package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every Adam-family optimiser here keeps per parameter — the first and second moments and the
 * update count — and its checkpoint form ({@code m.<key>}, {@code v.<key>}). Shared by
 * {@link Adam} (torch.optim.Adam arithmetic, what the official erasure code ran) and
 * {@link AdamW} (the ShapeWorld trainer's); their update rules stay separate because they round
 * differently, and each must keep reproducing its own results bit for bit.
 *
 * <p>The moments are allocated once, like their parameter (dtype, device), in the manager given,
 * outside any NDScope, so no step scope closes them (djl.md §3).
 */
public final class AdamMoments {
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long steps;

    /** @param params the live tensors (requiring gradient); keys name them in checkpoints */
    public AdamMoments(Map<String, NDArray> params, NDManager manager) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        for (Map.Entry<String, NDArray> e : this.params.entrySet()) {
            NDArray p = e.getValue();
            m.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            v.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
    }

    public Map<String, NDArray> parameters() {
        return params;
    }

    /** The first moment of parameter {@code key} (live: updated in place). */
    public NDArray m(String key) {
        return m.get(key);
    }

    /** The second moment of parameter {@code key} (live: updated in place). */
    public NDArray v(String key) {
        return v.get(key);
    }

    /** Counts one update and returns the new count (torch's per-parameter "step"). */
    public long countStep() {
        return ++steps;
    }

    public long steps() {
        return steps;
    }

    /** Zeroes the gradients of every parameter (backwards otherwise add up). */
    public void zeroGrad() {
        for (NDArray p : params.values()) JniUtils.zeroGrad((PtNDArray) p);
    }

    /** The moments by {@code m.<key>} / {@code v.<key>} (live tensors; copy before mutating). */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, a));
        v.forEach((k, a) -> out.put("v." + k, a));
        return out;
    }

    /** Restores the moments saved by {@link #state()} and the update count. */
    public void restore(Map<String, NDArray> state, long stepCount) {
        for (String k : params.keySet()) {
            Tensors.copyInto(m.get(k), saved(state, "m." + k, m.get(k)));
            Tensors.copyInto(v.get(k), saved(state, "v." + k, v.get(k)));
        }
        this.steps = stepCount;
    }

    /** {@code state.get(key)}, checked to exist with the shape of {@code like}. */
    public static NDArray saved(Map<String, NDArray> state, String key, NDArray like) {
        NDArray src = state.get(key);
        if (src == null) throw new IllegalArgumentException("optimizer state lacks '" + key + "'");
        if (!src.getShape().equals(like.getShape())) {
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + src.getShape()
                    + ", expected " + like.getShape());
        }
        return src;
    }
}
