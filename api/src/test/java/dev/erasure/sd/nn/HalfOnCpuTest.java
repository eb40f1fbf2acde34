package dev.erasure.sd.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.Weights;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FLOAT16 on the CPU ({@link Nn#halfOnCpu}): a convolution and a linear layer give exactly the float32 result of the
 * same half values rounded once to FLOAT16, stay FLOAT16, and carry the gradient to a float32 master weight cast to
 * half at use (mixed precision), equal to the float32 gradient within half rounding.
 */
class HalfOnCpuTest {
    @Test
    void convolutionAndLinearAreFloat32RoundedOnce() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 20, 9, 9)).toType(DataType.FLOAT16, false);
            NDArray w = m.randomNormal(new Shape(12, 20, 3, 3)).mul(0.1f).toType(DataType.FLOAT16, false);
            NDArray b = m.randomNormal(new Shape(12)).toType(DataType.FLOAT16, false);
            NDArray y = Nn.conv2d(x, w, b, 1, 1, 1, 1);
            assertEquals(DataType.FLOAT16, y.getDataType());
            NDArray expected = Nn.conv2d(f32(x), f32(w), f32(b), 1, 1, 1, 1).toType(DataType.FLOAT16, false);
            assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), "conv2d: float32 of the half values, rounded once");

            NDArray a = m.randomNormal(new Shape(7, 20)).toType(DataType.FLOAT16, false);
            NDArray lw = m.randomNormal(new Shape(5, 20)).toType(DataType.FLOAT16, false);
            NDArray out = Nn.linear(new Weights(Map.of("weight", lw), "test"), a);
            assertEquals(DataType.FLOAT16, out.getDataType());
            NDArray linExpected = f32(a).matMul(f32(lw).transpose()).toType(DataType.FLOAT16, false);
            assertArrayEquals(linExpected.toFloatArray(), out.toFloatArray(), "linear: float32 of the half values, rounded once");
        }
    }

    @Test
    void gradientReachesTheFloat32Master() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 8, 6, 6));
            NDArray master = m.randomNormal(new Shape(4, 8, 3, 3)).mul(0.1f);
            master.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = Nn.conv2d(Nn.cast(x, DataType.FLOAT16), Nn.cast(master, DataType.FLOAT16), null, 1, 1, 1, 1);
                gc.backward(Nn.cast(y, DataType.FLOAT32).square().sum());
            }
            NDArray half = master.getGradient().duplicate();
            JniUtils.zeroGrad((PtNDArray) master); // gradients accumulate
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(Nn.conv2d(x, master, null, 1, 1, 1, 1).square().sum());
            }
            NDArray full = master.getGradient();
            assertEquals(DataType.FLOAT32, half.getDataType());
            double rel = half.sub(full).abs().max().getFloat() / full.abs().max().getFloat();
            System.out.printf("fp16 gradient vs fp32: max difference %.3g of the largest%n", rel);
            assertTrue(rel < 1e-2, "fp16 gradient vs fp32, max relative to the largest: " + rel + " (tolerance 1e-2)");
            assertTrue(half.abs().sum().getFloat() > 0, "a gradient reached the master");
        }
    }

    private static NDArray f32(NDArray a) {
        return a.toType(DataType.FLOAT32, false);
    }
}
