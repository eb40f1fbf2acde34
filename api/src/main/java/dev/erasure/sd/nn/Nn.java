package dev.erasure.sd.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.erasure.sd.Weights;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;

/**
 * The few tensor building blocks Stable Diffusion needs, in torch semantics, composed from what
 * DJL's PyTorch engine offers (docs/djl.md §1: no GroupNorm, SiLU, SDPA or triu op). Each
 * function takes the module's {@link Weights} view and reads {@code weight}/{@code bias} by the
 * checkpoint's own names. All of it records autograd graphs when a GradientCollector is open.
 */
public final class Nn {
    private Nn() {
    }

    /** torch.nn.Linear: x·Wᵀ + b, with {@code bias} optional in the checkpoint. */
    public static NDArray linear(Weights w, NDArray x) {
        NDArray weight = w.get("weight", 1, x.getShape().tail());
        NDArray bias = w.has("bias") ? w.get("bias", 0, weight.getShape().get(0)) : null;
        if (halfOnCpu(x)) return cast(linear(float32(x), float32(weight), float32(bias)), DataType.FLOAT16);
        return linear(x, weight, bias);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    /**
     * Whether {@code x} is FLOAT16 on the CPU, where {@link #linear} and {@link #conv2d} compute in float32 and round
     * the result to FLOAT16 once: libtorch's CPU kernels for half matrix products and convolutions are slow loops on
     * CPUs without AVX512-FP16 (measured on the 2-core Zen 5: a 320-channel 3×3 convolution at 32×32 45× and a
     * 1024×320×320 product 6.4× float32's time, bench/half-on-cpu-2core-20261207.txt), and accumulate in float32 anyway.
     * The weights stay FLOAT16 in memory; autograd keeps the float32 copies it needs, so a CPU's fp16 training holds
     * more than a GPU's. CUDA tensors run in half as they are.
     */
    static boolean halfOnCpu(NDArray x) {
        return x.getDataType() == DataType.FLOAT16 && Device.Type.CPU.equals(x.getDevice().getDeviceType());
    }

    /** {@code x} in float32 through the differentiable {@link #cast}; null stays null (an absent bias). */
    private static NDArray float32(NDArray x) {
        return x == null ? null : cast(x, DataType.FLOAT32);
    }

    /** torch.nn.Conv2d with square stride and padding, dilation 1, groups 1. */
    public static NDArray conv2d(Weights w, NDArray x, int stride, int padding) {
        NDArray weight = w.get("weight", 1, x.getShape().get(1));
        NDArray bias = w.has("bias") ? w.get("bias", 0, weight.getShape().get(0)) : null;
        return conv2d(x, weight, bias, stride, padding, padding, 1);
    }

    /**
     * torch.nn.functional.conv2d (square stride, dilation 1; {@code bias} may be null): every network of
     * the library convolves through here, so {@link Convolutions} can route float32 CPU convolutions
     * around a faulty oneDNN. The GEMM path convolves each group on its own.
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padH, int padW, int groups) {
        if (halfOnCpu(x)) {
            return cast(conv2d(float32(x), float32(weight), float32(bias), stride, padH, padW, groups), DataType.FLOAT16);
        }
        if (!Convolutions.gemmFor(x)) {
            return Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padH, padW), new Shape(1, 1), groups)
                    .singletonOrThrow();
        }
        if (groups == 1) return FusedOps.get().conv2dGemm(x, weight, bias, stride, padH, padW);
        NDList xs = x.split(groups, 1);
        NDList ws = weight.split(groups, 0);
        NDList bs = bias == null ? null : bias.split(groups, 0);
        NDArray[] ys = new NDArray[groups];
        for (int g = 0; g < groups; g++) {
            ys[g] = FusedOps.get().conv2dGemm(xs.get(g), ws.get(g), bs == null ? null : bs.get(g), stride, padH, padW);
        }
        return cat(1, ys);
    }

    /** torch.nn.LayerNorm over the last dimension. */
    public static NDArray layerNorm(Weights w, NDArray x, float eps) {
        long d = x.getShape().tail(); // DJL Shape.get takes no negative index
        return LayerNorm.layerNorm(x, new Shape(d), w.get("weight", 0, d), w.get("bias", 0, d), eps)
                .singletonOrThrow();
    }

    /**
     * torch.nn.GroupNorm on [N,C,...]: groups are contiguous channel blocks. Fused: libtorch's
     * {@code group_norm}; composite: a parameter-free layer norm over each group, then the per-channel
     * affine (5× slower on CPU, measured in bench/).
     */
    public static NDArray groupNorm(Weights w, NDArray x, int groups, float eps) {
        return groupNorm(w, x, groups, eps, null);
    }

    /** {@link #groupNorm} followed by {@link #activation} ({@code act} may be null: none); one fused call for SiLU. */
    public static NDArray groupNorm(Weights w, NDArray x, int groups, float eps, String act) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        if (c % groups != 0) {
            throw new IllegalArgumentException("GroupNorm at '" + w.prefix() + "': " + c + " channels do not split into "
                    + groups + " groups");
        }
        NDArray gamma = w.get("weight", 0, c);
        NDArray beta = w.get("bias", 0, c);
        boolean silu = "silu".equals(act) || "swish".equals(act);
        if (Kernels.fused()) {
            NDArray y = FusedOps.get().groupNorm(x, groups, gamma, beta, eps, silu);
            return act == null || silu ? y : activation(act, y);
        }
        long m = s.size() / (n * groups);
        NDArray xr = x.reshape(n, groups, m);
        NDArray normed = LayerNorm.layerNorm(xr, new Shape(m), ones(x, m), zeros(x, m), eps)
                .singletonOrThrow().reshape(s);
        long[] affine = new long[s.dimension()];
        Arrays.fill(affine, 1);
        affine[1] = c;
        Shape as = new Shape(affine);
        NDArray y = normed.mul(gamma.reshape(as)).add(beta.reshape(as));
        return act == null ? y : activation(act, y);
    }

    /** x·sigmoid(x); fused: torch's {@code silu} (2.8× faster than the composite on CPU). */
    public static NDArray silu(NDArray x) {
        if (Kernels.fused()) return FusedOps.get().silu(x);
        return x.mul(Activation.sigmoid(x));
    }

    /**
     * A 0-d tensor of {@code value} in {@code like}'s dtype and device, allocated by torch itself. Use it
     * instead of {@code x.mul(float)} / {@code x.div(float)} wherever a graph may be differentiated: DJL
     * builds the scalar of {@code mul(Number)} over a Java buffer and closes it at once, and autograd,
     * which keeps that scalar for the backward pass, then reads freed memory (NaN or wrong gradients
     * in about half of the steps; see NnScalarGradientTest).
     */
    public static NDArray scalar(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }

    /** Exact (erf) GELU, torch's default. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** CLIP's quick_gelu: x·sigmoid(1.702x). */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(scalar(x, 1.702f))));
    }

    /** The activation a config names ("silu"/"swish", "gelu", "quick_gelu", "relu"). */
    public static NDArray activation(String name, NDArray x) {
        switch (name) {
            case "silu":
            case "swish":
                return silu(x);
            case "gelu":
                return gelu(x);
            case "quick_gelu":
                return quickGelu(x);
            case "relu":
                return Activation.relu(x);
            default:
                throw new IllegalArgumentException("unsupported activation '" + name + "'");
        }
    }

    /** Nearest-neighbour 2× upsampling of [N,C,H,W]. */
    public static NDArray upsampleNearest2x(NDArray x) {
        Shape s = x.getShape();
        return x.getNDArrayInternal().interpolation(new long[] {s.get(2) * 2, s.get(3) * 2}, 0, false);
    }

    /**
     * Multi-head scaled dot-product attention. q [B,Lq,H·D], k/v [B,Lk,H·D] → [B,Lq,H·D].
     * {@code mask} (added to the scores, broadcastable to [B,H,Lq,Lk]) may be null.
     * When {@code upcast} is set the scores and softmax are computed in float32 (fp16 safety).
     * Fused: torch's {@code scaled_dot_product_attention} (flash / memory-efficient kernels, no
     * [B,H,Lq,Lk] score tensor kept on CUDA). Composite: the 1/√D scale is folded into q ([B,H,Lq,D])
     * rather than applied as a pass over the scores ([B,H,Lq,Lk], ~20 % of a tiny UNet forward).
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray mask, boolean upcast) {
        DataType dt = q.getDataType();
        if (Kernels.fused()) {
            if (upcast && dt != DataType.FLOAT32) {
                NDArray o = FusedOps.get().attention(cast(q, DataType.FLOAT32), cast(k, DataType.FLOAT32),
                        cast(v, DataType.FLOAT32), heads, mask == null ? null : cast(mask, DataType.FLOAT32));
                return cast(o, dt);
            }
            return FusedOps.get().attention(q, k, v, heads, mask);
        }
        Shape qs = q.getShape();
        long b = qs.get(0);
        long lq = qs.get(1);
        long inner = qs.get(2);
        long d = inner / heads;
        long lk = k.getShape().get(1);
        NDArray qh = q.reshape(b, lq, heads, d).transpose(0, 2, 1, 3);
        NDArray kh = k.reshape(b, lk, heads, d).transpose(0, 2, 3, 1);
        NDArray vh = v.reshape(b, lk, heads, d).transpose(0, 2, 1, 3);
        if (upcast && dt != DataType.FLOAT32) {
            qh = cast(qh, DataType.FLOAT32); // recorded by autograd: fp16 training through upcast attention
            kh = cast(kh, DataType.FLOAT32);
        }
        NDArray scores = qh.mul(scalar(qh, (float) (1.0 / Math.sqrt(d)))).matMul(kh);
        if (mask != null) scores = scores.add(mask);
        NDArray probs = scores.softmax(-1);
        probs = cast(probs, vh.getDataType());
        return probs.matMul(vh).transpose(0, 2, 1, 3).reshape(b, lq, inner);
    }

    /**
     * {@code x} in {@code dtype} through torch's {@code x.to(dtype)}, which autograd records
     * (FusedOpsParityTest.castIsDifferentiable): fp16 compute over fp32 master weights casts through
     * here so the gradient reaches the master copy. A no-op when the type already matches.
     */
    public static NDArray cast(NDArray x, DataType dtype) {
        if (x.getDataType() == dtype) return x;
        int code;
        switch (dtype) {
            case FLOAT16:
                code = 5;
                break;
            case FLOAT32:
                code = 6;
                break;
            case FLOAT64:
                code = 7;
                break;
            default:
                return x.toType(dtype, false); // integer/bool types carry no gradient anyway
        }
        return FusedOps.get().cast(x, code);
    }

    /** Concatenation along {@code axis}. */
    public static NDArray cat(int axis, NDArray... xs) {
        return NDArrays.concat(new NDList(xs), axis);
    }

    private static final Map<String, NDArray> CONSTANTS = new ConcurrentHashMap<>();
    private static final Map<String, NDManager> MANAGERS = new ConcurrentHashMap<>();

    /** A cached constant of ones [m] on x's device and dtype (never closed by NDScopes). */
    static NDArray ones(NDArray like, long m) {
        return constant(like, m, 1f);
    }

    static NDArray zeros(NDArray like, long m) {
        return constant(like, m, 0f);
    }

    private static NDArray constant(NDArray like, long m, float value) {
        String key = like.getDevice() + "/" + like.getDataType() + "/" + m + "/" + value;
        return CONSTANTS.computeIfAbsent(key, k -> {
            NDManager mgr = MANAGERS.computeIfAbsent(like.getDevice().toString(),
                    d -> NDManager.newBaseManager(like.getDevice()));
            NDArray a = mgr.full(new Shape(m), value, like.getDataType());
            NDScope.unregister(a);
            return a;
        });
    }
}
