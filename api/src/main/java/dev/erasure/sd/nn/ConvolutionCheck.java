package dev.erasure.sd.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks once per JVM whether libtorch's default (oneDNN) float32 convolution is right on this CPU
 * ({@link Convolutions}): three small convolutions of the shapes it was measured to fail on, forward,
 * input and weight gradient, each against the same convolution in float64, which torch computes without
 * oneDNN. A relative error above {@link #TOLERANCE} (healthy: about 1e-6; faulty: 0.1–0.9) marks it
 * faulty. Inputs are fixed sine/cosine ramps, so no random generator is touched. It runs on a thread of
 * its own: torch's grad mode and DJL's NDScopes are per thread, and the caller may be inside either.
 */
public final class ConvolutionCheck {
    /** Relative error (max |Δ| / max |reference|) above which a result counts as wrong. */
    public static final double TOLERANCE = 1e-3;

    /** One checked shape: a [2, in, size, size] input, an [out, in, k, k] kernel, stride and padding. */
    record Case(String name, int in, int out, int size, int kernel, int stride, int padding) {
        @Override
        public String toString() {
            return name + " (" + in + "→" + out + " channels, " + kernel + "×" + kernel + ", stride " + stride + ", " + size + "×" + size + ")";
        }
    }

    /** The outcome: the worst relative error, the case and quantity it came from, and the verdict. */
    public record Result(boolean faulty, double worstRelativeError, String worst) {
        /** One line for logs and {@code %jvm}. */
        public String describe() {
            return (faulty ? "oneDNN convolution WRONG on this CPU" : "oneDNN convolution checked")
                    + String.format(" (worst relative error %.2g: %s)", worstRelativeError, worst);
        }
    }

    static final List<Case> CASES = List.of(
            new Case("input channels off the block", 20, 16, 12, 3, 1, 1),
            new Case("output channels off the block", 16, 4, 12, 3, 1, 1),
            new Case("stride 2, odd input blocks", 48, 16, 13, 3, 2, 0));

    /** A convolution under test: (x, weight, stride, padding) → output, differentiable. */
    interface Conv {
        NDArray apply(NDArray x, NDArray weight, int stride, int padding);
    }

    /** libtorch's default dispatch (oneDNN for float32 on x86 CPUs). */
    static final Conv LIBTORCH = (x, w, stride, padding) ->
            Conv2d.conv2d(x, w, null, new Shape(stride, stride), new Shape(padding, padding)).singletonOrThrow();

    private static final AtomicReference<Result> RESULT = new AtomicReference<>();

    private ConvolutionCheck() {
    }

    /** The check's result, computed at the first call. */
    public static Result result() {
        Result r = RESULT.get();
        if (r != null) return r;
        synchronized (ConvolutionCheck.class) {
            if (RESULT.get() == null) RESULT.set(runOnOwnThread());
            return RESULT.get();
        }
    }

    private static Result runOnOwnThread() {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(run());
            } catch (RuntimeException | Error e) {
                out.set(e);
            }
        }, "erasure-convolution-check");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking libtorch's convolution", e);
        }
        if (out.get() instanceof Result r) return r;
        throw new IllegalStateException("the convolution check failed to run: " + out.get(), (Throwable) out.get());
    }

    /** Runs every case with libtorch's float32 convolution and the float64 reference; on the calling thread. */
    static Result run() {
        return run(LIBTORCH);
    }

    /** {@link #run()} with {@code conv} as the float32 convolution under test (tests pass a wrong one). */
    static Result run(Conv conv) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            boolean grad = JniUtils.isGradMode();  // after the manager: it loads libtorch
            JniUtils.setGradMode(true);
            try {
                return compare(m, conv);
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
    }

    private static Result compare(NDManager m, Conv conv) {
        String[] what = {"output", "input gradient", "weight gradient"};
        double worst = 0;
        String where = "none";
        for (Case c : CASES) {
            NDArray[] f32 = forwardAndGradients(m, c, DataType.FLOAT32, conv);
            NDArray[] f64 = forwardAndGradients(m, c, DataType.FLOAT64, LIBTORCH);
            for (int i = 0; i < what.length; i++) {
                double err = relativeError(f32[i], f64[i]);
                if (!(err <= worst)) {  // NaN counts as the worst
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    where = what[i] + " of " + c;
                }
            }
        }
        return new Result(!(worst <= TOLERANCE), worst, where);
    }

    /** {output, input gradient, weight gradient} of one case in {@code dtype}. */
    private static NDArray[] forwardAndGradients(NDManager m, Case c, DataType dtype, Conv conv) {
        NDArray x = ramp(m, new Shape(2, c.in(), c.size(), c.size()), 0.37, false).toType(dtype, false);
        NDArray w = ramp(m, new Shape(c.out(), c.in(), c.kernel(), c.kernel()), 0.53, true)
                .div(Math.sqrt(c.in() * c.kernel() * c.kernel())).toType(dtype, false);
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        NDArray y = conv.apply(x, w, c.stride(), c.padding());
        NDArray g = ramp(m, y.getShape(), 0.71, false).toType(dtype, false);
        JniUtils.backward((PtNDArray) y, (PtNDArray) g, false, false);
        return new NDArray[] {y.stopGradient(), x.getGradient(), w.getGradient()};
    }

    private static NDArray ramp(NDManager m, Shape shape, double step, boolean cosine) {
        NDArray a = m.arange(0f, (float) shape.size(), 1f).mul(step);
        return (cosine ? a.cos() : a.sin()).reshape(shape);
    }

    private static double relativeError(NDArray got, NDArray reference) {
        NDArray ref = reference.toType(DataType.FLOAT64, false);
        double scale = ref.abs().max().getDouble();
        return got.toType(DataType.FLOAT64, false).sub(ref).abs().max().getDouble() / Math.max(scale, 1e-12);
    }
}
