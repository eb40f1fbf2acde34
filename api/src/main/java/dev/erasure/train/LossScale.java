package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.Collection;

/**
 * Dynamic loss scaling for mixed-precision training, as {@code torch.cuda.amp.GradScaler} runs it:
 * the loss is multiplied by S before backward so that small fp16 gradients do not flush to zero
 * (ESD's per-element gradient, 2(ε−y)/N over a 64×64×4 latent, is ~1e-6: subnormal in fp16); the
 * gradients are divided by S before the optimiser step. A step whose gradients hold an inf or NaN is
 * skipped and S halves; after {@link #GROWTH_INTERVAL} finite steps in a row S doubles. Initial S,
 * factors and interval are GradScaler's defaults.
 *
 * <p>{@link #none()} (full precision) multiplies by nothing and checks nothing, so fp32 runs stay
 * bit-identical to runs made before mixed precision existed.
 */
public final class LossScale {
    public static final float INITIAL = 65536f;
    public static final int GROWTH_INTERVAL = 2000;

    private final boolean dynamic;
    private float scale;
    private int goodSteps;
    private long skipped;

    private LossScale(boolean dynamic, float scale) {
        this.dynamic = dynamic;
        this.scale = scale;
    }

    /** No scaling (fp32 training). */
    public static LossScale none() {
        return new LossScale(false, 1f);
    }

    /** GradScaler's dynamic scaling from S = 65536. */
    public static LossScale dynamic() {
        return new LossScale(true, INITIAL);
    }

    public boolean isDynamic() {
        return dynamic;
    }

    /** S now. */
    public float scale() {
        return scale;
    }

    /** Finite steps since S last changed. */
    public int goodSteps() {
        return goodSteps;
    }

    /** Steps skipped for an overflow so far. */
    public long skipped() {
        return skipped;
    }

    /** loss × S, what backward gets (the loss itself when not dynamic). */
    public NDArray scaled(NDArray loss) {
        return dynamic ? loss.mul(scale) : loss;
    }

    /** A gradient divided by S (a new array; the gradient itself when not dynamic). */
    public NDArray unscaled(NDArray gradient) {
        return dynamic ? gradient.div(scale) : gradient;
    }

    /**
     * Divides every parameter's gradient by S in place and updates S: true when all are finite (then
     * step the optimisers), false when one overflowed (skip the step: the caller zeroes the gradients).
     * Grad mode must be off.
     */
    public boolean unscale(Collection<NDArray> parameters) {
        if (!dynamic) return true;
        boolean finite = true;
        for (NDArray p : parameters) {
            try (NDScope scope = new NDScope()) { // per tensor: the checks' temporaries go at once (Adam.step)
                NDArray g = p.getGradient();
                g.divi(scale);
                if (finite && !g.isInfinite().logicalOr(g.isNaN()).any().getBoolean()) continue;
                finite = false;
            }
        }
        if (!finite) {
            scale /= 2;
            goodSteps = 0;
            skipped++;
        } else if (++goodSteps == GROWTH_INTERVAL) {
            scale *= 2;
            goodSteps = 0;
        }
        return finite;
    }

    /** Restores S, the finite-step count and the skips (checkpoint resume). */
    public void restore(float scale, int goodSteps, long skipped) {
        if (!dynamic) return;
        this.scale = scale;
        this.goodSteps = goodSteps;
        this.skipped = skipped;
    }
}
