package dev.erasure.erase;

import dev.erasure.train.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with torch.optim.Adam semantics (no weight decay, no amsgrad): m ← β1·m + (1−β1)·g,
 * v ← β2·v + (1−β2)·g², p ← p − (lr/(1−β1^s))·m/(√v/√(1−β2^s) + ε).
 *
 * <p>DJL-specific rules (docs/djl.md §3): the moment tensors are allocated once in the
 * optimiser's own manager, outside any NDScope, so no step scope closes them; {@link #step()}
 * must run outside the GradientCollector (grad mode off), updates the parameters in place and
 * then zeroes their gradients with {@code JniUtils.zeroGrad}. Every parameter is updated on
 * every step, also with an all-zero gradient (torch ≤ 1.13 {@code zero_grad()} semantics, which
 * is what the CompVis-era official code ran).
 */
public final class Adam implements AutoCloseable {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final NDManager manager;
    private final double lr;
    private long step;
    private boolean carriesGradients; // the last step kept the gradients: the next backward adds to them

    /** @param params the live tensors (requiring gradient), updated in place; keys name them in checkpoints */
    public Adam(Map<String, NDArray> params, double lr, NDManager parent) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.lr = lr;
        this.manager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : this.params.entrySet()) {
            NDArray p = e.getValue();
            m.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            v.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
    }

    /** One update of every parameter from its current gradient, then zeroes the gradients. */
    public void step() {
        step(true);
    }

    /**
     * One update; {@code zeroGradients = false} keeps the gradients, so the next backward adds to
     * them (the official AdvUnlearn attack and AdvAnchor never call {@code zero_grad}, methods.md §9.19).
     */
    public void step(boolean zeroGradients) {
        step++;
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, step));
        float stepSize = (float) (lr / bc1);
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray mk = m.get(e.getKey());
                NDArray vk = v.get(e.getKey());
                mk.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
                vk.muli((float) BETA2).addi(g.mul(g).muli((float) (1 - BETA2)));
                NDArray denom = vk.sqrt().divi((float) bc2Sqrt).addi((float) EPS);
                p.subi(mk.div(denom).muli(stepSize));
            }
        }
        if (zeroGradients) zeroGrad();
        carriesGradients = !zeroGradients;
    }

    /** Zeroes the gradients of every parameter (accumulation otherwise adds up across backwards). */
    public void zeroGrad() {
        for (NDArray p : params.values()) JniUtils.zeroGrad((PtNDArray) p);
    }

    public long stepCount() {
        return step;
    }

    public double learningRate() {
        return lr;
    }

    public Map<String, NDArray> parameters() {
        return params;
    }

    /**
     * The moments by {@code m.<key>} / {@code v.<key>} (live tensors; copy before mutating) and, when
     * the last step kept the gradients ({@code step(false)}: official AdvAnchor's running sums), the
     * gradients by {@code grad.<key>}, which the next step adds to (new wrappers: read them in an NDScope).
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, a));
        v.forEach((k, a) -> out.put("v." + k, a));
        if (carriesGradients) params.forEach((k, p) -> out.put("grad." + k, p.getGradient()));
        return out;
    }

    /** Restores moments, carried gradients (if saved) and the step count saved by {@link #state()} / {@link #stepCount()}. */
    public void restore(Map<String, NDArray> state, long stepCount) {
        for (String k : params.keySet()) {
            copyInto(state, "m." + k, m.get(k));
            copyInto(state, "v." + k, v.get(k));
        }
        carriesGradients = params.keySet().stream().anyMatch(k -> state.containsKey("grad." + k));
        if (carriesGradients) params.forEach((k, p) -> Gradients.set(p, required(state, "grad." + k, p)));
        this.step = stepCount;
    }

    private static void copyInto(Map<String, NDArray> state, String key, NDArray target) {
        Tensors.copyInto(target, required(state, key, target));
    }

    private static NDArray required(Map<String, NDArray> state, String key, NDArray like) {
        NDArray src = state.get(key);
        if (src == null) throw new IllegalArgumentException("optimizer state lacks '" + key + "'");
        if (!src.getShape().equals(like.getShape())) {
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + src.getShape()
                    + ", expected " + like.getShape());
        }
        return src;
    }

    @Override
    public void close() {
        manager.close();
    }
}
