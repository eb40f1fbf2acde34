package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * libtorch's fused kernels that DJL 0.32's JNI does not expose ({@code group_norm}, {@code silu},
 * {@code scaled_dot_product_attention}; GELU needs none: DJL's {@code Activation.gelu} is already
 * torch's native {@code gelu}), reached through a tiny TorchScript module the
 * project writes itself ({@link TorchScriptArchive}; no parameters, so it runs on any device and dtype).
 * <p>
 * The methods run with DJL's {@code moduleRunMethod(handle, method, args, isTrain = true, cudaStream = false)}: DJL's public
 * {@code IValueUtils.runMethod} passes {@code false}, which runs the script under a no-grad guard and
 * would cut the autograd graph; with {@code true} the ops record their graph like any DJL op whenever
 * grad mode is on (a GradientCollector is open), and do not otherwise. That one native method is
 * package-private in DJL, hence the reflection, checked once at load.
 */
public final class FusedOps {
    private static final String CLASS = "ErasureFusedOps";
    private static final String SOURCE = String.join("\n",
            "class " + CLASS + "(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self, x: Tensor) -> Tensor:",
            "    return x",
            "  def group_norm(self, x: Tensor, groups: int, weight: Tensor, bias: Tensor, eps: float) -> Tensor:",
            "    return torch.group_norm(x, groups, weight, bias, eps)",
            "  def group_norm_silu(self, x: Tensor, groups: int, weight: Tensor, bias: Tensor, eps: float) -> Tensor:",
            "    return torch.silu(torch.group_norm(x, groups, weight, bias, eps))",
            "  def cast(self, x: Tensor, dtype: int) -> Tensor:",
            "    return x.to(dtype)",
            // im2col + GEMM (libtorch's own non-oneDNN convolution, differentiable; its backward wants contiguous
            // tensors, and a trained weight can be a strided view); groups 1, dilation 1
            "  def conv2d_gemm(self, x: Tensor, weight: Tensor, stride: int, pad_h: int, pad_w: int) -> Tensor:",
            "    return torch.thnn_conv2d(x.contiguous(), weight.contiguous(), [weight.size(2), weight.size(3)], None, [stride, stride], [pad_h, pad_w])",
            "  def conv2d_gemm_bias(self, x: Tensor, weight: Tensor, bias: Tensor, stride: int, pad_h: int, pad_w: int) -> Tensor:",
            "    return torch.thnn_conv2d(x.contiguous(), weight.contiguous(), [weight.size(2), weight.size(3)], bias, [stride, stride], [pad_h, pad_w])",
            "  def silu(self, x: Tensor) -> Tensor:",
            "    return torch.silu(x)",
            // q [B,Lq,H*D], k/v [B,Lk,H*D] -> [B,Lq,H*D]; the scale is SDPA's default 1/sqrt(D)
            "  def attention(self, q: Tensor, k: Tensor, v: Tensor, heads: int) -> Tensor:",
            "    return self.attention_masked(q, k, v, heads, None)",
            "  def attention_masked(self, q: Tensor, k: Tensor, v: Tensor, heads: int, mask: Optional[Tensor]) -> Tensor:",
            "    b = q.size(0)",
            "    lq = q.size(1)",
            "    inner = q.size(2)",
            "    lk = k.size(1)",
            "    d = inner // heads",
            "    qh = q.reshape([b, lq, heads, d]).transpose(1, 2)",
            "    kh = k.reshape([b, lk, heads, d]).transpose(1, 2)",
            "    vh = v.reshape([b, lk, heads, d]).transpose(1, 2)",
            "    o = torch.scaled_dot_product_attention(qh, kh, vh, mask)",
            "    return o.transpose(1, 2).reshape([b, lq, inner])",
            "");

    private static volatile FusedOps instance;

    private final PtSymbolBlock module;
    private final long moduleHandle;
    private final Object library;
    private final Method runMethod;
    private final Constructor<IValue> ivalue;

    private FusedOps(PtNDManager manager) throws ReflectiveOperationException, IOException {
        byte[] archive = TorchScriptArchive.write(CLASS, SOURCE);
        module = JniUtils.loadModule(manager, new ByteArrayInputStream(archive), false, false);
        moduleHandle = module.getHandle();
        Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
        var field = lib.getDeclaredField("LIB");
        field.setAccessible(true);
        library = field.get(null);
        runMethod = lib.getDeclaredMethod("moduleRunMethod", long.class, String.class, long[].class,
                boolean.class, boolean.class);
        runMethod.setAccessible(true);
        ivalue = IValue.class.getDeclaredConstructor(long.class);
        ivalue.setAccessible(true);
    }

    /** The loaded module (once per JVM); an error naming the cause if this DJL cannot load it. */
    static FusedOps get() {
        FusedOps ops = instance;
        if (ops != null) return ops;
        synchronized (FusedOps.class) {
            if (instance == null) {
                try {
                    // a manager of its own that is never closed: the module lives as long as the JVM
                    PtNDManager m = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
                    instance = new FusedOps(m);
                } catch (ReflectiveOperationException | IOException | RuntimeException e) {
                    throw new IllegalStateException("fused kernels unavailable (" + e
                            + "); run with -D" + Kernels.PROPERTY + "=composite", e);
                }
            }
            return instance;
        }
    }

    /** True when the module loads here (tests assert it, so the fused path cannot silently vanish). */
    public static boolean available() {
        try {
            get();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, boolean silu) {
        return call(silu ? "group_norm_silu" : "group_norm", x,
                IValue.from((PtNDArray) x), IValue.from((long) groups), IValue.from((PtNDArray) weight),
                IValue.from((PtNDArray) bias), IValue.from((double) eps));
    }

    /** torch's differentiable {@code x.to(dtype)}; {@code scalarType} is c10's ScalarType code. */
    NDArray cast(NDArray x, int scalarType) {
        return call("cast", x, IValue.from((PtNDArray) x), IValue.from((long) scalarType));
    }

    /**
     * torch's {@code thnn_conv2d}: the im2col + GEMM convolution torch runs when oneDNN is off
     * ({@link Convolutions#GEMM}); {@code bias} may be null.
     */
    NDArray conv2dGemm(NDArray x, NDArray weight, NDArray bias, int stride, int padH, int padW) {
        IValue s = IValue.from((long) stride);
        IValue ph = IValue.from((long) padH);
        IValue pw = IValue.from((long) padW);
        if (bias == null) return call("conv2d_gemm", x, IValue.from((PtNDArray) x), IValue.from((PtNDArray) weight), s, ph, pw);
        return call("conv2d_gemm_bias", x, IValue.from((PtNDArray) x), IValue.from((PtNDArray) weight),
                IValue.from((PtNDArray) bias), s, ph, pw);
    }

    NDArray silu(NDArray x) {
        return call("silu", x, IValue.from((PtNDArray) x));
    }

    NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray mask) {
        if (mask == null) {
            return call("attention", q, IValue.from((PtNDArray) q), IValue.from((PtNDArray) k),
                    IValue.from((PtNDArray) v), IValue.from((long) heads));
        }
        return call("attention_masked", q, IValue.from((PtNDArray) q), IValue.from((PtNDArray) k),
                IValue.from((PtNDArray) v), IValue.from((long) heads), IValue.from((PtNDArray) mask));
    }

    /** Runs one method; the result attaches to {@code first}'s manager (as DJL's own ops do) and scope. */
    private NDArray call(String method, NDArray first, IValue... args) {
        long[] handles = new long[args.length];
        for (int i = 0; i < args.length; i++) handles[i] = args[i].getHandle();
        try {
            long out = (long) runMethod.invoke(library, moduleHandle, method, handles, true, false);
            try (IValue result = ivalue.newInstance(out)) {
                return result.toTensor((PtNDManager) first.getManager());
            }
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) throw (RuntimeException) c;
            throw new IllegalStateException("fused " + method + " failed", c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("fused " + method + " failed", e);
        } finally {
            for (IValue a : args) a.close();
        }
    }
}
