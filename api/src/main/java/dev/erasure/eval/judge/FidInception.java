package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * pytorch-fid's FID Inception ({@code fid_inception_v3}, weights {@code pt_inception-2015-12-05}), the
 * pool3 feature extractor of both pytorch-fid and T2IBenchmark, as shared/fixtures/tiny-fid README
 * "Architecture" describes: BasicConv2d = conv (no bias) → BatchNorm (eps 1e-3) → ReLU; Mixed_5b..d
 * FIDInceptionA, 6a InceptionB, 6b..e FIDInceptionC, 7a InceptionD, 7b FIDInceptionE_1, 7c
 * FIDInceptionE_2; the FID blocks' average pools exclude padding, and 7c's pool branch is a max pool
 * (the TF graph's quirk). No transform_input, no fc. Channel counts come from the weights (the
 * fixture divides every width by 8; the real file gives 2048-d features); input [N,3,H,W] in [-1,1].
 */
public final class FidInception implements AutoCloseable {
    public static final String CONVERSION = "python -c \"import torch; from safetensors.torch import save_file; "
            + "save_file(torch.load('pt_inception-2015-12-05-6726825d.pth', map_location='cpu'), 'pt_inception-2015-12-05.safetensors')\"";
    /** The stride-1 convs without padding (everything else of stride 1 pads to keep the size). */
    private static final Set<String> VALID = Set.of("Conv2d_2a_3x3", "Conv2d_4a_3x3");
    /** The convs of stride 2, all unpadded. */
    private static final Set<String> STRIDE2 = Set.of("Conv2d_1a_3x3", "Mixed_6a.branch3x3", "Mixed_6a.branch3x3dbl_3",
            "Mixed_7a.branch3x3_2", "Mixed_7a.branch7x7x3_4");

    private final NDManager manager;
    private final Path file;
    private final Weights weights;
    private final float eps;

    private FidInception(NDManager manager, Path file, Weights weights, float eps) {
        this.manager = manager;
        this.file = file;
        this.weights = weights;
        this.eps = eps;
        weights.get("Conv2d_1a_3x3.conv.weight");
        weights.get("Mixed_7c.branch_pool.conv.weight");
    }

    /** The FID Inception from a safetensors file (fc.* and num_batches_tracked are ignored). */
    public static FidInception load(Path file) {
        NDManager m = NDManager.newBaseManager();
        try {
            return new FidInception(m, file, new Weights(JudgeFiles.safetensors(file, m, CONVERSION), file.toString()), 1e-3f);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** {stride, padH, padW} of a BasicConv2d by its key name and kernel size (torchvision's Inception3 layout). */
    public static int[] strideAndPadding(String name, int kh, int kw) {
        if (STRIDE2.contains(name)) return new int[] {2, 0, 0};
        if (VALID.contains(name)) return new int[] {1, 0, 0};
        return new int[] {1, kh / 2, kw / 2};
    }

    /** The feature dimension (channels of Mixed_7c). */
    public long dims() {
        long d = 0;
        for (String b : List.of("branch1x1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool")) {
            d += weights.get("Mixed_7c." + b + ".conv.weight").getShape().get(0);
        }
        return d;
    }

    /** pool3 features [N, dims] of a [N,3,H,W] batch in [-1,1]. */
    public NDArray features(NDArray x) {
        return features(x, null);
    }

    /** Also records each named stage's output (Conv2d_*, Mixed_*) in {@code trace} when it is not null. */
    public NDArray features(NDArray x, Map<String, NDArray> trace) {
        NDArray h = basic("Conv2d_1a_3x3", x);
        h = basic("Conv2d_2a_3x3", h);
        h = record(trace, "Conv2d_2b_3x3", basic("Conv2d_2b_3x3", h));
        h = maxPool(h, 2, 0);
        h = basic("Conv2d_3b_1x1", h);
        h = record(trace, "Conv2d_4a_3x3", basic("Conv2d_4a_3x3", h));
        h = maxPool(h, 2, 0);
        for (String m : List.of("Mixed_5b", "Mixed_5c", "Mixed_5d")) h = record(trace, m, inceptionA(m, h));
        h = record(trace, "Mixed_6a", inceptionB("Mixed_6a", h));
        for (String m : List.of("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e")) h = record(trace, m, inceptionC(m, h));
        h = record(trace, "Mixed_7a", inceptionD("Mixed_7a", h));
        h = record(trace, "Mixed_7b", inceptionE("Mixed_7b", h, false));
        h = record(trace, "Mixed_7c", inceptionE("Mixed_7c", h, true));
        return Pool.globalAvgPool2d(h).reshape(h.getShape().get(0), h.getShape().get(1));
    }

    private NDArray inceptionA(String m, NDArray x) {
        NDArray b1 = basic(m + ".branch1x1", x);
        NDArray b5 = basic(m + ".branch5x5_2", basic(m + ".branch5x5_1", x));
        NDArray b3 = basic(m + ".branch3x3dbl_3", basic(m + ".branch3x3dbl_2", basic(m + ".branch3x3dbl_1", x)));
        NDArray bp = basic(m + ".branch_pool", avgPoolExcludingPad(x));
        return cat(b1, b5, b3, bp);
    }

    private NDArray inceptionB(String m, NDArray x) {
        NDArray b3 = basic(m + ".branch3x3", x);
        NDArray bd = basic(m + ".branch3x3dbl_3", basic(m + ".branch3x3dbl_2", basic(m + ".branch3x3dbl_1", x)));
        return cat(b3, bd, maxPool(x, 2, 0));
    }

    private NDArray inceptionC(String m, NDArray x) {
        NDArray b1 = basic(m + ".branch1x1", x);
        NDArray b7 = basic(m + ".branch7x7_3", basic(m + ".branch7x7_2", basic(m + ".branch7x7_1", x)));
        NDArray bd = x;
        for (int i = 1; i <= 5; i++) bd = basic(m + ".branch7x7dbl_" + i, bd);
        NDArray bp = basic(m + ".branch_pool", avgPoolExcludingPad(x));
        return cat(b1, b7, bd, bp);
    }

    private NDArray inceptionD(String m, NDArray x) {
        NDArray b3 = basic(m + ".branch3x3_2", basic(m + ".branch3x3_1", x));
        NDArray b7 = x;
        for (int i = 1; i <= 4; i++) b7 = basic(m + ".branch7x7x3_" + i, b7);
        return cat(b3, b7, maxPool(x, 2, 0));
    }

    /** FIDInceptionE_1 (average pool, padding excluded) or FIDInceptionE_2 ({@code maxPoolBranch}: max pool 3/1/1). */
    private NDArray inceptionE(String m, NDArray x, boolean maxPoolBranch) {
        NDArray b1 = basic(m + ".branch1x1", x);
        NDArray b3 = basic(m + ".branch3x3_1", x);
        b3 = cat(basic(m + ".branch3x3_2a", b3), basic(m + ".branch3x3_2b", b3));
        NDArray bd = basic(m + ".branch3x3dbl_2", basic(m + ".branch3x3dbl_1", x));
        bd = cat(basic(m + ".branch3x3dbl_3a", bd), basic(m + ".branch3x3dbl_3b", bd));
        NDArray pooled = maxPoolBranch ? maxPool(x, 1, 1) : avgPoolExcludingPad(x);
        return cat(b1, b3, bd, basic(m + ".branch_pool", pooled));
    }

    /** BasicConv2d: conv (no bias) → eval BatchNorm (eps 1e-3) → ReLU. */
    private NDArray basic(String name, NDArray x) {
        Weights w = weights.sub(name);
        NDArray k = w.get("conv.weight", 1, x.getShape().get(1));
        Shape ks = k.getShape();
        int[] sp = strideAndPadding(name, (int) ks.get(2), (int) ks.get(3));
        NDArray y = Nn.conv2d(x, k, null, sp[0], sp[1], sp[2], 1);
        Weights bn = w.sub("bn");
        y = BatchNorm.batchNorm(y, bn.get("running_mean"), bn.get("running_var"), bn.get("weight"), bn.get("bias"), 1, 0.1f, eps, false)
                .singletonOrThrow();
        return Activation.relu(y);
    }

    /**
     * avg_pool2d(3, stride 1, pad 1, count_include_pad=False). DJL 0.32's PyTorch engine ignores the
     * countIncludePad flag (measured: a 3×3 map of ones pools to 4/9 at the corners either way), so
     * the padded average is rescaled by the in-image fraction of taps (4/9 corner, 6/9 edge, 1 inside),
     * i.e. the pooled average of ones; within 2 ulps of torch's sum/count.
     */
    private static NDArray avgPoolExcludingPad(NDArray x) {
        Shape s = x.getShape();
        NDArray padded = avg3x3(x);
        NDArray fraction = avg3x3(x.getManager().ones(new Shape(1, 1, s.get(2), s.get(3)), x.getDataType()));
        return padded.div(fraction);
    }

    private static NDArray avg3x3(NDArray x) {
        return Pool.avgPool2d(x, new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false, true);
    }

    private static NDArray maxPool(NDArray x, int stride, int pad) {
        return Pool.maxPool2d(x, new Shape(3, 3), new Shape(stride, stride), new Shape(pad, pad), false);
    }

    private static NDArray cat(NDArray... parts) {
        return NDArrays.concat(new NDList(parts), 1);
    }

    private static NDArray record(Map<String, NDArray> trace, String name, NDArray x) {
        if (trace != null) trace.put(name, x);
        return x;
    }

    /** The weight file this network was loaded from. */
    public Path file() {
        return file;
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
