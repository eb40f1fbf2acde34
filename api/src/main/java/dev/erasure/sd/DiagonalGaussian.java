package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * diffusers DiagonalGaussianDistribution: the encoder moments split along channels into mean and
 * logvar, logvar clamped to [−30, 20] so exp cannot overflow or vanish.
 */
public final class DiagonalGaussian {
    private final NDArray mean;
    private final NDArray logvar;

    public DiagonalGaussian(NDArray mean, NDArray logvar) {
        this.mean = mean;
        this.logvar = logvar;
    }

    /** From the quant_conv output [B,2·C,h,w]: first half mean, second half logvar (clamped). */
    public static DiagonalGaussian fromMoments(NDArray moments) {
        NDList parts = moments.split(2, 1);
        return new DiagonalGaussian(parts.get(0), parts.get(1).clip(-30f, 20f));
    }

    public NDArray mean() {
        return mean;
    }

    public NDArray logvar() {
        return logvar;
    }

    /** exp(0.5·logvar). */
    public NDArray std() {
        return logvar.mul(0.5f).exp();
    }

    public NDArray var() {
        return logvar.exp();
    }

    /** mean + std·noise, with {@code noise} ~ N(0,1) of the mean's shape drawn by the caller (seeded). */
    public NDArray sample(NDArray noise) {
        if (!noise.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("noise shape " + noise.getShape() + " != mean shape " + mean.getShape());
        }
        return mean.add(std().mul(noise));
    }

    /** The mode of the distribution (its mean). */
    public NDArray mode() {
        return mean;
    }
}
