package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import java.util.Map;

/**
 * Exponential moving average of parameters with diffusers' warm-up decay min(max, (1+n)/(10+n)), so
 * early averages are not dominated by the random init. The shadow weights are what is sampled and shipped.
 */
public final class Ema {
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> shadow;
    private final float maxDecay;
    private long updates;

    public Ema(Map<String, NDArray> params, NDManager manager, float maxDecay) {
        this.params = params;
        this.shadow = Tensors.copies(params, manager);
        this.maxDecay = maxDecay;
    }

    public void update() {
        float d = decay(updates);
        updates++;
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
                e.getValue().muli(d).addi(params.get(e.getKey()).mul(1 - d));
            }
        }
    }

    /** The decay used at update number {@code n} (0-based). */
    public float decay(long n) {
        return Math.min(maxDecay, (1f + n) / (10f + n));
    }

    public Map<String, NDArray> shadow() {
        return shadow;
    }

    public long updates() {
        return updates;
    }

    public void restore(Map<String, NDArray> saved, long updateCount) {
        for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
            NDArray s = saved.get(e.getKey());
            if (s == null) throw new IllegalArgumentException("EMA state lacks '" + e.getKey() + "'");
            Tensors.copyInto(e.getValue(), s);
        }
        this.updates = updateCount;
    }
}
