package dev.erasure.sd.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * Which convolution {@link Nn#conv2d} runs for float32 tensors on the CPU. {@link #ONEDNN} is libtorch's
 * default (oneDNN's JIT kernels); {@link #GEMM} is torch's im2col + GEMM convolution
 * ({@code thnn_conv2d}, the one torch runs with oneDNN switched off), differentiable like any op.
 * <p>
 * Why there is a choice: on some CPUs libtorch 2.5.1's oneDNN 3.5.3 computes convolutions wrongly,
 * without any error. Measured on a 2-core AMD EPYC (Zen 5, family 26, a VM whose CPUID reports no cache
 * topology; bench/onednn-conv-fault-2core-20261207.txt): the forward pass is wrong when the input
 * channels are not a multiple of oneDNN's channel block (16 with AVX-512, 8 with AVX2), the input
 * gradient when the output channels are not, and the input gradient of a stride-2 3×3 convolution
 * for 48, 80 or 112 input channels — off by 10–90 % of the output's scale, never NaN unless the skipped
 * memory held NaN. {@code ONEDNN_MAX_CPU_ISA=SSE41} is right but halves the ShapeWorld trainer's speed;
 * GEMM is right in all 2 520 results measured (float64 as reference) and costs 1.3–1.5× on the trainer. Real SD has only the UNet's
 * {@code conv_out} (4 output channels) among the failing shapes, but its gradient is every erasure's.
 * <p>
 * {@code -Derasure.conv=auto|onednn|gemm}, read at each call like {@link Kernels}: auto (the default) is
 * GEMM exactly where {@link ConvolutionCheck} found oneDNN wrong on this machine, else oneDNN. CUDA
 * tensors always take libtorch's own dispatch (cuDNN); fp16 on the CPU is convolved in float32 through
 * this same choice ({@link Nn#halfOnCpu}).
 */
public enum Convolutions {
    ONEDNN, GEMM;

    public static final String PROPERTY = "erasure.conv";

    /** The configured convolution; auto resolves through {@link ConvolutionCheck} (once per JVM). */
    public static Convolutions current() {
        String v = System.getProperty(PROPERTY, "auto");
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "auto":
                return ConvolutionCheck.result().faulty() ? GEMM : ONEDNN;
            case "onednn":
                return ONEDNN;
            case "gemm":
                return GEMM;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": expected auto, onednn or gemm");
        }
    }

    /** Whether a convolution of {@code x} takes the GEMM path (float32 on the CPU with GEMM configured). */
    static boolean gemmFor(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 && Device.Type.CPU.equals(x.getDevice().getDeviceType()) && current() == GEMM;
    }
}
