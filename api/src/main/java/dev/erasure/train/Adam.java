package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

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

    private final AdamMoments moments;
    private final NDManager manager;
    private final double lr;
    private boolean carriesGradients; // the last step kept the gradients: the next backward adds to them

    /** @param params the live tensors (requiring gradient), updated in place; keys name them in checkpoints */
    public Adam(Map<String, NDArray> params, double lr, NDManager parent) {
        this.lr = lr;
        this.manager = parent.newSubManager();
        this.moments = new AdamMoments(params, manager);
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
        long step = moments.countStep();
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, step));
        float stepSize = (float) (lr / bc1);
        // one scope per tensor: a scope around the whole loop kept every tensor's 4 temporaries until the end,
        // 4 × the trained size (+13 GB for SD-1.4's ESD-u, bench/erase-memory-real-2core-20261206.txt)
        for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
            try (NDScope scope = new NDScope()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray mk = moments.m(e.getKey());
                NDArray vk = moments.v(e.getKey());
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
        moments.zeroGrad();
    }

    public long stepCount() {
        return moments.steps();
    }

    public double learningRate() {
        return lr;
    }

    public Map<String, NDArray> parameters() {
        return moments.parameters();
    }

    /**
     * The moments by {@code m.<key>} / {@code v.<key>} (live tensors; copy before mutating) and, when
     * the last step kept the gradients ({@code step(false)}: official AdvAnchor's running sums), the
     * gradients by {@code grad.<key>}, which the next step adds to (new wrappers: read them in an NDScope).
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = moments.state();
        if (carriesGradients) parameters().forEach((k, p) -> out.put("grad." + k, p.getGradient()));
        return out;
    }

    /** Restores moments, carried gradients (if saved) and the step count saved by {@link #state()} / {@link #stepCount()}. */
    public void restore(Map<String, NDArray> state, long stepCount) {
        moments.restore(state, stepCount);
        carriesGradients = parameters().keySet().stream().anyMatch(k -> state.containsKey("grad." + k));
        if (carriesGradients) parameters().forEach((k, p) -> Gradients.set(p, AdamMoments.saved(state, "grad." + k, p)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
