package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.SeededRandom;

/**
 * EAP's relaxed categorical sample G(π) (methods.md §2.2): g = −log(−log(u + 1e−10) + 1e−10),
 * y = softmax((π + g)/τ); hard: forward one_hot(argmax y), backward through the soft y
 * (straight-through, {@code (hard − y).detach() + y}). The uniforms u come from the caller (the
 * run's {@link SeededRandom}) so a sample is reproducible and resumable.
 */
public final class GumbelSoftmax {
    private GumbelSoftmax() {
    }

    /** @param weights [1,K] mixing weights (one-hot in value when hard); index: the argmax concept */
    public record Sample(NDArray weights, int index) {
    }

    /** @param logits π [1,K] (may require gradient); uniforms K values in [0,1) */
    public static Sample sample(NDArray logits, float[] uniforms, float temperature, boolean hard) {
        long k = logits.getShape().getLastDimension();
        if (uniforms.length != k) throw new IllegalArgumentException("need " + k + " uniforms, got " + uniforms.length);
        NDArray u = logits.getManager().create(uniforms, logits.getShape());
        NDArray g = u.add(1e-10f).log().neg().add(1e-10f).log().neg();
        NDArray y = logits.add(g).div(Nn.scalar(logits, temperature)).softmax(-1);
        int index = (int) y.argMax(-1).toType(DataType.INT64, false).getLong(0);
        if (!hard) return new Sample(y, index);
        float[] hot = new float[(int) k];
        hot[index] = 1f;
        NDArray oneHot = logits.getManager().create(hot, logits.getShape());
        NDArray out = oneHot.sub(y).stopGradient().add(y);
        return new Sample(out, index);
    }

    /** softmax(π), the distribution the hard sample follows (Gumbel-max). */
    public static double[] distribution(NDArray logits) {
        float[] p = logits.softmax(-1).toFloatArray();
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) out[i] = p[i];
        return out;
    }

    /** −Σ p·ln p in nats (0 for an empty or one-hot distribution; terms with p = 0 count 0). */
    public static double entropy(double[] p) {
        double h = 0;
        if (p == null) return h;
        for (double v : p) if (v > 0) h -= v * Math.log(v);
        return h;
    }
}
