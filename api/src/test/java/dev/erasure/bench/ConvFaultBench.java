package dev.erasure.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.nn.ConvolutionCheck;
import dev.erasure.sd.nn.Convolutions;
import dev.erasure.sd.nn.Nn;

import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ./erasure bench conv}: is libtorch's float32 CPU convolution right on this machine, and what does
 * the GEMM path cost? (README "Reliability"; recorded in onednn-conv-fault-*.txt.) Part 1: every
 * combination of the channel counts, kernels 1/3, sizes and strides below, forward, input and weight
 * gradient through {@link Nn#conv2d} with {@code -Derasure.conv=onednn} and {@code =gemm}, against the
 * same convolution in float64; a result is wrong when it is off by more than 1e-4 of the reference's scale.
 * Part 2: median forward+backward milliseconds of both paths on SD- and ShapeWorld-shaped convolutions.
 * Run it under {@code ONEDNN_MAX_CPU_ISA=AVX2} or {@code SSE41} to see oneDNN's other kernels.
 */
public final class ConvFaultBench {
    private static final int[] IN = {4, 8, 16, 20, 32, 36, 48, 64, 80, 96, 320};
    private static final int[] OUT = {4, 20, 32, 48, 320};
    private static final int[] SIZES = {8, 16, 35, 64};
    private static final String[] WHAT = {"output", "input gradient", "weight gradient"};

    private ConvFaultBench() {
    }

    public static void main(String[] args) {
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, ONEDNN_MAX_CPU_ISA="
                + System.getenv("ONEDNN_MAX_CPU_ISA") + ", threads=" + System.getProperty("ai.djl.pytorch.num_threads", "default"));
        System.out.println("start-up check: " + ConvolutionCheck.result().describe());
        try (NDManager m = NDManager.newBaseManager()) {
            for (String path : new String[] {"onednn", "gemm"}) scan(m, path);
            System.out.println("\nforward+backward, median ms of 9 after 3 warm-up (batch, in→out, k, size, stride):");
            int[][] timed = {{2, 320, 320, 3, 32, 1}, {2, 320, 4, 3, 32, 1}, {2, 4, 320, 3, 32, 1}, {2, 320, 320, 3, 32, 2},
                    {32, 32, 32, 3, 16, 1}, {32, 96, 32, 3, 16, 1}, {32, 32, 3, 3, 16, 1}};
            for (int[] t : timed) {
                System.out.printf(Locale.ROOT, "  %-26s onednn %8.2f   gemm %8.2f%n", Arrays.toString(t),
                        time(m, t, "onednn"), time(m, t, "gemm"));
            }
        }
    }

    private static void scan(NDManager m, String path) {
        int cases = 0;
        int[] wrong = new int[3];
        double worst = 0;
        StringBuilder examples = new StringBuilder();
        for (int in : IN) for (int out : OUT) for (int k : new int[] {1, 3}) for (int size : SIZES) for (int stride : new int[] {1, 2}) {
            if ((long) in * out * size * size > 40_000_000L) continue;
            try (NDManager q = m.newSubManager()) {
                q.getEngine().setRandomSeed(cases);
                NDArray x = q.randomNormal(new Shape(2, in, size, size));
                NDArray w = q.randomNormal(new Shape(out, in, k, k)).div(Math.sqrt(in * k * k));
                NDArray[] f32 = run(x, w, stride, k / 2, path);
                NDArray[] f64 = run(x.toType(DataType.FLOAT64, false), w.toType(DataType.FLOAT64, false), stride, k / 2, path);
                for (int i = 0; i < 3; i++) {
                    double scale = f64[i].abs().max().getDouble();
                    double err = f32[i].toType(DataType.FLOAT64, false).sub(f64[i]).abs().max().getDouble() / scale;
                    worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                    if (!(err <= 1e-4)) {
                        wrong[i]++;
                        if (examples.length() < 600) {
                            examples.append(String.format(Locale.ROOT, "    %s %d→%d k%d %d×%d stride %d: %.3g%n",
                                    WHAT[i], in, out, k, size, size, stride, err));
                        }
                    }
                }
                cases++;
            }
        }
        System.out.printf(Locale.ROOT, "%n-Derasure.conv=%s: %d shapes × 3 results, wrong: output %d, input gradient %d, "
                + "weight gradient %d (worst relative error %.3g)%n%s", path, cases, wrong[0], wrong[1], wrong[2], worst, examples);
    }

    /** {output, dx, dw} of a sum(y·g) loss with a fixed g (a sine ramp), through Nn.conv2d under {@code path}. */
    private static NDArray[] run(NDArray x0, NDArray w0, int stride, int padding, String path) {
        String old = System.getProperty(Convolutions.PROPERTY);
        System.setProperty(Convolutions.PROPERTY, path);
        NDArray x = x0.duplicate();
        NDArray w = w0.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = Nn.conv2d(x, w, null, stride, padding, padding, 1);
            NDArray g = x.getManager().arange(0f, (float) y.getShape().size(), 1f).mul(0.71).sin().reshape(y.getShape())
                    .toType(y.getDataType(), false);
            gc.backward(y.mul(g).sum());
            return new NDArray[] {y.stopGradient(), x.getGradient(), w.getGradient()};
        } finally {
            if (old == null) System.clearProperty(Convolutions.PROPERTY);
            else System.setProperty(Convolutions.PROPERTY, old);
        }
    }

    private static double time(NDManager m, int[] t, String path) {
        double[] ms = new double[9];
        try (NDManager q = m.newSubManager()) {
            NDArray x = q.randomNormal(new Shape(t[0], t[1], t[4], t[4]));
            NDArray w = q.randomNormal(new Shape(t[2], t[1], t[3], t[3])).div(Math.sqrt(t[1] * t[3] * t[3]));
            for (int i = -3; i < ms.length; i++) {
                long start = System.nanoTime();
                run(x, w, t[5], t[3] / 2, path)[1].sum().getFloat();  // the backward has run when the gradient is read
                if (i >= 0) ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
