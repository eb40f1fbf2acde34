package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torch.optim.AdamW on a map of leaf parameters (decoupled weight decay, bias-corrected moments,
 * eps outside the square root) with global-norm gradient clipping, for DJL autograd. Call
 * {@link #step} after the GradientCollector has closed (grad mode off, so the in-place updates are
 * not recorded) and outside any per-step NDScope: the moment buffers live in the manager given at
 * construction and must survive the step's scope (djl.md §3). Moments and their checkpoint form are
 * {@link AdamMoments}, shared with {@link Adam}. Not merged into one update rule with it: this
 * one computes √(v/c2) and 1 − β in float (1 − 0.9f = 0.100000024), torch.optim.Adam's √v/√c2 and
 * 0.1 in double, so with weight decay 0 the two differ in the last bits, and each must reproduce its
 * own results (the shipped ShapeWorld model, the erasure runs).
 */
public final class AdamW {
    private final AdamMoments moments;
    private final Map<String, NDArray> params;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;

    public AdamW(Map<String, NDArray> params, NDManager stateManager, float beta1, float beta2, float eps, float weightDecay) {
        this.moments = new AdamMoments(params, stateManager);
        this.params = moments.parameters();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static AdamW withDefaults(Map<String, NDArray> params, NDManager stateManager) {
        return new AdamW(params, stateManager, 0.9f, 0.999f, 1e-8f, 0.01f);
    }

    /**
     * One update with learning rate {@code lr}; gradients are first scaled so their global L2 norm is
     * at most {@code maxGradNorm} (≤ 0: no clipping), then zeroed. Returns the norm before clipping.
     * A non-finite gradient norm skips the update (gradients are zeroed, the step is not counted), so
     * one bad batch cannot poison the weights and moments; the caller sees the non-finite norm.
     */
    public float step(float lr, float maxGradNorm) {
        float norm;
        try (NDScope scope = new NDScope()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) grads.put(e.getKey(), e.getValue().getGradient());
            norm = (float) Gradients.norm(params.values());
            if (!Float.isFinite(norm)) {
                moments.zeroGrad();
                return norm;
            }
            long steps = moments.countStep();
            float scale = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6f) : 1f;
            float c1 = (float) (1 - Math.pow(beta1, steps));
            float c2 = (float) (1 - Math.pow(beta2, steps));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                try (NDScope one = new NDScope()) { // per tensor: its temporaries go at once (Adam.step)
                    String k = e.getKey();
                    NDArray p = e.getValue();
                    NDArray g = scale == 1f ? grads.get(k) : grads.get(k).mul(scale);
                    NDArray mk = moments.m(k);
                    NDArray vk = moments.v(k);
                    mk.muli(beta1).addi(g.mul(1 - beta1));
                    vk.muli(beta2).addi(g.square().muli(1 - beta2));
                    if (weightDecay != 0) p.muli(1 - lr * weightDecay);
                    NDArray denom = vk.div(c2).sqrt().addi(eps);
                    p.subi(mk.div(denom).muli(lr / c1));
                    JniUtils.zeroGrad((PtNDArray) p);
                }
            }
        }
        return norm;
    }

    /** Number of updates made (torch's per-parameter "step"). */
    public long steps() {
        return moments.steps();
    }

    /** The moments under {@code m.<key>} and {@code v.<key>}, for a checkpoint. */
    public Map<String, NDArray> state() {
        return moments.state();
    }

    /** Restores moments saved by {@link #state} and the update count. */
    public void restore(Map<String, NDArray> state, long stepCount) {
        moments.restore(state, stepCount);
    }
}
