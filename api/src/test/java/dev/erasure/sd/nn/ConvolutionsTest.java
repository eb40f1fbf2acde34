package dev.erasure.sd.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Nn#conv2d} against the same convolution in float64 (torch computes float64 without oneDNN),
 * forward and every gradient, on the shapes libtorch's oneDNN was measured to get wrong on some CPUs
 * (bench/onednn-conv-fault-2core-20261207.txt) and on SD's usual ones. Tolerance: 1e-4 of the
 * reference's largest magnitude (float32 rounding gives about 1e-6; the fault 0.1–0.9).
 */
class ConvolutionsTest {
    private static final double REL_TOL = 1e-4;

    /** {in, out, size, kernel, stride, padH, padW, groups, bias(0/1)} */
    private static final int[][] SHAPES = {
            {20, 16, 12, 3, 1, 1, 1, 1, 1},   // input channels off oneDNN's 16-channel block: forward
            {16, 4, 12, 3, 1, 1, 1, 1, 1},    // 4 output channels (SD's conv_out): input gradient
            {48, 16, 13, 3, 2, 0, 0, 1, 0},   // stride 2 with 3 input blocks: input gradient
            {36, 48, 17, 3, 2, 0, 0, 1, 0},   // FID Inception's Mixed_6a at the fixture's width
            {32, 32, 8, 3, 1, 1, 1, 1, 1},    // SD's resnet conv
            {32, 64, 8, 1, 1, 0, 0, 1, 1},    // a 1×1 shortcut
            {16, 24, 9, 7, 1, 0, 3, 1, 0},    // Inception's 1×7 with unequal padding
            {32, 32, 8, 3, 2, 1, 1, 4, 0},    // grouped (ResNeXt), stride 2
    };

    @Test
    void theConfiguredConvolutionMatchesFloat64() {
        // auto: GEMM where this machine's oneDNN fails the check, oneDNN elsewhere; both must be right
        assertAllMatch(null);
    }

    @Test
    void theGemmPathMatchesFloat64() {
        assertAllMatch("gemm");
    }

    @Test
    void theCheckFlagsAWrongConvolutionAndPassesARightOne() {
        ConvolutionCheck.Conv off = (x, w, s, p) -> ConvolutionCheck.LIBTORCH.apply(x, w, s, p).mul(Nn.scalar(x, 1.01f));
        ConvolutionCheck.Result wrong = ConvolutionCheck.run(off);
        assertTrue(wrong.faulty() && wrong.worstRelativeError() > 0.005, wrong.describe());
        // float32 in and out, computed in float64 (no oneDNN): right on every machine
        ConvolutionCheck.Conv exact = (x, w, s, p) -> ConvolutionCheck.LIBTORCH
                .apply(Nn.cast(x, DataType.FLOAT64), Nn.cast(w, DataType.FLOAT64), s, p);
        ConvolutionCheck.Conv exact32 = (x, w, s, p) -> Nn.cast(exact.apply(x, w, s, p), DataType.FLOAT32);
        ConvolutionCheck.Result right = ConvolutionCheck.run(exact32);
        assertFalse(right.faulty(), right.describe());
        assertTrue(right.worstRelativeError() < 1e-5, right.describe());
    }

    @Test
    void autoFollowsTheCheck() {
        with(null, () -> assertEquals(ConvolutionCheck.result().faulty() ? Convolutions.GEMM : Convolutions.ONEDNN,
                Convolutions.current(), ConvolutionCheck.result().describe()));
    }

    @Test
    void aBadSettingNamesTheProperty() {
        with("mkldnn", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Convolutions::current);
            assertTrue(e.getMessage().contains(Convolutions.PROPERTY) && e.getMessage().contains("mkldnn"), e.getMessage());
        });
    }

    private static void assertAllMatch(String setting) {
        with(setting, () -> {
            try (NDManager m = NDManager.newBaseManager()) {
                for (int[] s : SHAPES) {
                    List<NDArray> f32 = run(m, s, DataType.FLOAT32);
                    List<NDArray> f64 = run(m, s, DataType.FLOAT64);
                    String[] what = {"output", "input gradient", "weight gradient", "bias gradient"};
                    for (int i = 0; i < f32.size(); i++) {
                        NDArray ref = f64.get(i);
                        double scale = ref.abs().max().getDouble();
                        double err = f32.get(i).toType(DataType.FLOAT64, false).sub(ref).abs().max().getDouble() / scale;
                        assertTrue(err < REL_TOL, String.format("-D%s=%s (%s): %s of %s off by %.3g of its scale (tolerance %.0e); %s",
                                Convolutions.PROPERTY, setting, Convolutions.current(), what[i], java.util.Arrays.toString(s), err,
                                REL_TOL, ConvolutionCheck.result().describe()));
                    }
                }
            }
        });
    }

    /** {output, dx, dw[, db]} through Nn.conv2d, for a fixed random problem (seeded) cast to {@code dtype}. */
    private static List<NDArray> run(NDManager m, int[] s, DataType dtype) {
        m.getEngine().setRandomSeed(s[0] * 1000 + s[1]);
        NDArray x = m.randomNormal(new Shape(2, s[0], s[2], s[2])).toType(dtype, false);
        long kh = s[6] == s[5] ? s[3] : 1;  // unequal padding: a 1×k kernel
        NDArray w = m.randomNormal(new Shape(s[1], s[0] / s[7], kh, s[3])).div(Math.sqrt(s[0] * s[3] * kh)).toType(dtype, false);
        NDArray b = s[8] == 1 ? m.randomNormal(new Shape(s[1])).toType(dtype, false) : null;
        List<NDArray> leaves = new ArrayList<>(List.of(x, w));
        if (b != null) leaves.add(b);
        for (NDArray a : leaves) a.setRequiresGradient(true);
        List<NDArray> out = new ArrayList<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = Nn.conv2d(x, w, b, s[4], s[5], s[6], s[7]);
            NDArray g = m.randomNormal(y.getShape()).toType(dtype, false);
            gc.backward(y.mul(g).sum());
            out.add(y.stopGradient());
        }
        for (NDArray a : leaves) out.add(a.getGradient());
        return out;
    }

    private static void with(String setting, Runnable body) {
        String old = System.getProperty(Convolutions.PROPERTY);
        if (setting == null) System.clearProperty(Convolutions.PROPERTY);
        else System.setProperty(Convolutions.PROPERTY, setting);
        try {
            body.run();
        } finally {
            if (old == null) System.clearProperty(Convolutions.PROPERTY);
            else System.setProperty(Convolutions.PROPERTY, old);
        }
    }
}
