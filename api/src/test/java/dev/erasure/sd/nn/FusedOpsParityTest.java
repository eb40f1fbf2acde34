package dev.erasure.sd.nn;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.Weights;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels (libtorch's group_norm, silu, scaled_dot_product_attention through FusedOps)
 * against the composite ones, forward and gradients w.r.t. every input, on random inputs in the
 * shapes SD uses. Tolerance 1e-5 absolute in fp32 (values are O(1); the two paths differ only in
 * summation order and where the 1/√d scale is applied), 1e-2 for the fp16 upcast path.
 */
class FusedOpsParityTest {
    private static final double FP32_TOL = 1e-5;

    @Test
    void theModuleLoadsHere() {
        assertTrue(FusedOps.available(), "the TorchScript module of fused ops does not load");
    }

    @Test
    void groupNormWithAndWithoutSiluMatchesTheComposite() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray gamma = m.randomNormal(new Shape(64));
            NDArray beta = m.randomNormal(new Shape(64));
            for (String act : new String[] {null, "silu", "gelu"}) {
                compare(m, List.of(m.randomNormal(new Shape(2, 64, 8, 8)).mul(3).add(1), gamma, beta),
                        in -> Nn.groupNorm(new Weights(Map.of("weight", in.get(1), "bias", in.get(2)), "test"),
                                in.get(0), 32, 1e-5f, act), FP32_TOL, "groupNorm+" + act);
            }
        }
    }

    @Test
    void siluMatchesTheComposite() {
        try (NDManager m = NDManager.newBaseManager()) {
            compare(m, List.of(m.randomNormal(new Shape(2, 320)).mul(4)), in -> Nn.silu(in.get(0)), FP32_TOL, "silu");
        }
    }

    @Test
    void attentionSelfCrossAndMaskedMatchTheComposite() {
        try (NDManager m = NDManager.newBaseManager()) {
            compare(m, List.of(m.randomNormal(new Shape(2, 64, 40)), m.randomNormal(new Shape(2, 64, 40)),
                    m.randomNormal(new Shape(2, 64, 40))),
                    in -> Nn.attention(in.get(0), in.get(1), in.get(2), 2, null, false), FP32_TOL, "self-attention");
            compare(m, List.of(m.randomNormal(new Shape(2, 64, 40)), m.randomNormal(new Shape(2, 7, 40)),
                    m.randomNormal(new Shape(2, 7, 40))),
                    in -> Nn.attention(in.get(0), in.get(1), in.get(2), 5, null, false), FP32_TOL, "cross-attention");
            // CLIP's causal mask: -inf-free large negative above the diagonal, broadcast over batch and heads
            NDArray idx = m.arange(7);
            NDArray mask = idx.expandDims(0).gt(idx.expandDims(1)).toType(DataType.FLOAT32, false).mul(-1e9f)
                    .reshape(1, 1, 7, 7);
            compare(m, List.of(m.randomNormal(new Shape(2, 7, 32)), m.randomNormal(new Shape(2, 7, 32)),
                    m.randomNormal(new Shape(2, 7, 32))),
                    in -> Nn.attention(in.get(0), in.get(1), in.get(2), 4, mask, false), FP32_TOL, "masked attention");
        }
    }

    @Test
    void fp16UpcastAttentionMatchesTheComposite() {
        try (NDManager m = NDManager.newBaseManager(); NDScope s = new NDScope()) {
            NDArray q = m.randomNormal(new Shape(1, 16, 32)).toType(DataType.FLOAT16, false);
            NDArray k = m.randomNormal(new Shape(1, 16, 32)).toType(DataType.FLOAT16, false);
            NDArray v = m.randomNormal(new Shape(1, 16, 32)).toType(DataType.FLOAT16, false);
            NDArray fused = with(Kernels.FUSED, () -> Nn.attention(q, k, v, 1, null, true));
            NDArray composite = with(Kernels.COMPOSITE, () -> Nn.attention(q, k, v, 1, null, true));
            assertEquals(DataType.FLOAT16, fused.getDataType());
            double d = maxAbs(fused, composite);
            assertTrue(d < 1e-2, "fp16 attention fused vs composite " + d + " (tolerance 1e-2)");
        }
    }

    @Test
    void castIsDifferentiable() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray master = m.randomNormal(new Shape(8, 8));
            master.setRequiresGradient(true);
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray half = Nn.cast(master, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
                gc.backward(Nn.cast(half.mul(Nn.scalar(half, 3f)), DataType.FLOAT32).sum());
                NDArray g = master.getGradient();
                assertEquals(3f, g.min().getFloat(), 0f);
                assertEquals(3f, g.max().getFloat(), 0f);
            }
        }
    }

    /** Why {@link Nn#cast} exists: DJL 0.32's toType returns a tensor with no grad_fn (backward fails). */
    @Test
    void djlToTypeCutsTheGraph() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray master = m.randomNormal(new Shape(4));
            master.setRequiresGradient(true);
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray half = master.toType(DataType.FLOAT16, false);
                assertThrows(EngineException.class,
                        () -> gc.backward(half.toType(DataType.FLOAT32, false).sum()));
            }
        }
    }

    @Test
    void aBadKernelsValueNamesTheProperty() {
        String old = System.getProperty(Kernels.PROPERTY);
        System.setProperty(Kernels.PROPERTY, "flash");
        try {
            var e = assertThrows(IllegalArgumentException.class, Kernels::current);
            assertTrue(e.getMessage().contains(Kernels.PROPERTY), e.getMessage());
        } finally {
            restore(old);
        }
    }

    /** Forward and the gradient of sum(y·r) w.r.t. every input, fused vs composite. */
    private static void compare(NDManager m, List<NDArray> inputs, Function<List<NDArray>, NDArray> f,
                                double tol, String what) {
        List<float[]> fused = run(m, inputs, f, Kernels.FUSED);
        List<float[]> composite = run(m, inputs, f, Kernels.COMPOSITE);
        for (int i = 0; i < fused.size(); i++) {
            double d = 0;
            for (int j = 0; j < fused.get(i).length; j++) d = Math.max(d, Math.abs(fused.get(i)[j] - composite.get(i)[j]));
            String part = i == 0 ? "output" : "gradient " + (i - 1);
            System.out.println(what + " " + part + " fused vs composite max abs diff " + d);
            assertTrue(d <= tol, what + " " + part + ": fused vs composite differ by " + d + " (tolerance " + tol + ")");
        }
    }

    private static List<float[]> run(NDManager m, List<NDArray> inputs, Function<List<NDArray>, NDArray> f, Kernels k) {
        List<float[]> out = new ArrayList<>();
        with(k, () -> {
            for (NDArray x : inputs) x.setRequiresGradient(true);
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(inputs);
                // a fixed, non-uniform weighting so every output element reaches the gradients differently
                NDArray weight = m.arange((float) y.size()).reshape(y.getShape()).mul(0.37f).sin();
                gc.backward(y.mul(weight).sum());
                out.add(y.toFloatArray());
                for (NDArray x : inputs) out.add(x.getGradient().toFloatArray());
            }
            for (NDArray x : inputs) JniUtils.zeroGrad((PtNDArray) x);
            return null;
        });
        return out;
    }

    static <T> T with(Kernels k, Supplier<T> body) {
        String old = System.getProperty(Kernels.PROPERTY);
        System.setProperty(Kernels.PROPERTY, k.name().toLowerCase());
        try {
            return body.get();
        } finally {
            restore(old);
        }
    }

    private static void restore(String old) {
        if (old == null) System.clearProperty(Kernels.PROPERTY);
        else System.setProperty(Kernels.PROPERTY, old);
    }

    private static double maxAbs(NDArray a, NDArray b) {
        return a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).abs().max().getFloat();
    }
}
