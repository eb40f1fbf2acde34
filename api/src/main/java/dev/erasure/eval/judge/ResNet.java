package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.WeightException;
import dev.erasure.sd.nn.Nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * torchvision's {@code ResNet} (v1.5: a Bottleneck strides on its 3×3 conv), eval mode, with
 * torchvision/timm key names ({@code conv1}, {@code bn1}, {@code layer{s}.{b}.conv1..3},
 * {@code .downsample.0/1}, {@code fc}). Built from a {@link ResNetConfig}; weights are looked up by
 * name at forward time. Every expected key and shape is checked up front, and keys the config does
 * not use are an error too (a file of another depth or width); {@code num_batches_tracked} is never read.
 */
public final class ResNet {
    private final ResNetConfig cfg;
    private final Weights weights;

    public ResNet(ResNetConfig cfg, Weights weights) {
        this.cfg = cfg;
        this.weights = weights;
        Map<String, Shape> expected = expectedShapes(cfg);
        for (Map.Entry<String, Shape> e : expected.entrySet()) weights.get(e.getKey(), e.getValue());
        Set<String> extra = new TreeSet<>(weights.keys());
        extra.removeAll(expected.keySet());
        extra.removeIf(k -> k.endsWith(".num_batches_tracked"));
        if (!extra.isEmpty()) {
            throw new WeightException(weights.source() + " has " + extra.size() + " tensors this ResNet config does not use, e.g. "
                    + extra.iterator().next() + " (a checkpoint of another depth, or a wrong config.json)");
        }
    }

    /** Every weight key of the configured network with its shape, in torchvision's order. */
    public static Map<String, Shape> expectedShapes(ResNetConfig cfg) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("conv1.weight", new Shape(cfg.stemWidth(), 3, 7, 7));
        bn(m, "bn1", cfg.stemWidth());
        int in = cfg.stemWidth();
        for (int s = 0; s < cfg.layers().length; s++) {
            int out = cfg.stageChannels(s);
            for (int b = 0; b < cfg.layers()[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                if (cfg.block() == ResNetConfig.Block.BOTTLENECK) {
                    int w = cfg.innerWidth(s);
                    m.put(p + "conv1.weight", new Shape(w, in, 1, 1));
                    bn(m, p + "bn1", w);
                    m.put(p + "conv2.weight", new Shape(w, w / cfg.groups(), 3, 3));
                    bn(m, p + "bn2", w);
                    m.put(p + "conv3.weight", new Shape(out, w, 1, 1));
                    bn(m, p + "bn3", out);
                } else {
                    m.put(p + "conv1.weight", new Shape(out, in, 3, 3));
                    bn(m, p + "bn1", out);
                    m.put(p + "conv2.weight", new Shape(out, out, 3, 3));
                    bn(m, p + "bn2", out);
                }
                if (stride(s, b) != 1 || in != out) {
                    m.put(p + "downsample.0.weight", new Shape(out, in, 1, 1));
                    bn(m, p + "downsample.1", out);
                }
                in = out;
            }
        }
        m.put("fc.weight", new Shape(cfg.numClasses(), in));
        m.put("fc.bias", new Shape(cfg.numClasses()));
        return m;
    }

    private static void bn(Map<String, Shape> m, String p, int c) {
        for (String k : new String[] {"weight", "bias", "running_mean", "running_var"}) m.put(p + "." + k, new Shape(c));
    }

    /** The first block of every stage but the first halves the resolution. */
    private static int stride(int stage, int block) {
        return stage > 0 && block == 0 ? 2 : 1;
    }

    /** Logits [N, classes] of an [N,3,H,W] batch. */
    public NDArray forward(NDArray x) {
        return forward(x, null);
    }

    /**
     * Logits, recording intermediates in {@code trace} when it is not null, under the fixture's names:
     * {@code conv1} (before BN), {@code bn1} (before ReLU), {@code maxpool}, {@code layer{s}},
     * {@code layer{s}.{b}.conv{k}} (before BN), {@code layer{s}.{b}.downsample}, {@code avgpool}.
     */
    public NDArray forward(NDArray x, Map<String, NDArray> trace) {
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != 3) {
            throw new IllegalArgumentException("a ResNet takes [N,3,H,W] images, got " + x.getShape());
        }
        NDArray h = record(trace, "conv1", conv(weights.sub("conv1"), x, 2, 3, 1));
        h = record(trace, "bn1", batchNorm(weights.sub("bn1"), h));
        h = Activation.relu(h);
        h = record(trace, "maxpool", Pool.maxPool2d(h, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false));
        for (int s = 0; s < cfg.layers().length; s++) {
            for (int b = 0; b < cfg.layers()[s]; b++) h = block(s, b, h, trace);
            record(trace, "layer" + (s + 1), h);
        }
        // adaptive average pool to 1×1 (torch's own kernel), then flatten
        NDArray pooled = record(trace, "avgpool", Pool.globalAvgPool2d(h).reshape(h.getShape().get(0), h.getShape().get(1)));
        return Nn.linear(weights.sub("fc"), pooled);
    }

    private NDArray block(int s, int b, NDArray x, Map<String, NDArray> trace) {
        String name = "layer" + (s + 1) + "." + b;
        Weights w = weights.sub(name);
        int stride = stride(s, b);
        boolean bottleneck = cfg.block() == ResNetConfig.Block.BOTTLENECK;
        NDArray h = record(trace, name + ".conv1", bottleneck ? conv(w.sub("conv1"), x, 1, 0, 1) : conv(w.sub("conv1"), x, stride, 1, 1));
        h = Activation.relu(batchNorm(w.sub("bn1"), h));
        h = record(trace, name + ".conv2", bottleneck ? conv(w.sub("conv2"), h, stride, 1, cfg.groups()) : conv(w.sub("conv2"), h, 1, 1, 1));
        h = batchNorm(w.sub("bn2"), h);
        if (bottleneck) {
            h = record(trace, name + ".conv3", conv(w.sub("conv3"), Activation.relu(h), 1, 0, 1));
            h = batchNorm(w.sub("bn3"), h);
        }
        NDArray shortcut = x;
        if (w.has("downsample.0.weight")) {
            shortcut = record(trace, name + ".downsample", batchNorm(w.sub("downsample.1"), conv(w.sub("downsample.0"), x, stride, 0, 1)));
        }
        return Activation.relu(h.add(shortcut));
    }

    private static NDArray conv(Weights w, NDArray x, int stride, int padding, int groups) {
        return Nn.conv2d(x, w.get("weight"), null, stride, padding, padding, groups);
    }

    /** Eval-mode BatchNorm2d: torch's own batch_norm with the running statistics. */
    private NDArray batchNorm(Weights w, NDArray x) {
        return BatchNorm.batchNorm(x, w.get("running_mean"), w.get("running_var"), w.get("weight"), w.get("bias"), 1, 0.1f,
                cfg.batchNormEps(), false).singletonOrThrow();
    }

    private static NDArray record(Map<String, NDArray> trace, String name, NDArray x) {
        if (trace != null) trace.put(name, x);
        return x;
    }

    public ResNetConfig config() {
        return cfg;
    }

    public Weights weights() {
        return weights;
    }
}
