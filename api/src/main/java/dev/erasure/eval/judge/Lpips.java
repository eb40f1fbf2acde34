package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.erasure.eval.PilResize;
import dev.erasure.eval.RgbImage;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LPIPS v0.1 with the AlexNet trunk ({@code lpips.LPIPS(net='alex')}, lpips 0.1.4), as
 * shared/fixtures/tiny-lpips README "The algorithm" describes: ScalingLayer, torchvision's
 * {@code alexnet().features} up to relu5 (keys {@code features.{0,3,6,8,10}}), per-position channel
 * normalisation f/(‖f‖+eps), squared difference, the {@code lin{k}.model.1} 1×1 convs (no bias),
 * spatial mean, and the five terms summed in order. Inputs are [N,3,H,W] in [-1,1].
 */
public final class Lpips implements AutoCloseable {
    public static final String CONVERSION = "python -c \"import os, torch, torchvision, lpips; from safetensors.torch import save_file; "
            + "a = torchvision.models.alexnet(weights='IMAGENET1K_V1'); "
            + "save_file({k: v for k, v in a.state_dict().items() if k.startswith('features.')}, 'alexnet-features.safetensors'); "
            + "save_file(torch.load(os.path.join(os.path.dirname(lpips.__file__), 'weights/v0.1/alex.pth'), map_location='cpu'), "
            + "'lpips-alex-v0.1-lin.safetensors')\"";

    /** The five trunk convs: key index in {@code features}, stride, padding, and whether a maxpool precedes it. */
    private static final int[][] TRUNK = {{0, 4, 2, 0}, {3, 1, 2, 1}, {6, 1, 1, 1}, {8, 1, 1, 0}, {10, 1, 1, 0}};

    /** The lpips constants (config.json: chns, scaling_layer, normalize_tensor_eps). */
    public record Config(int[] channels, float[] shift, float[] scale, float eps) {
        /** lpips 0.1.4 ScalingLayer literals as float32, eps 1e-10. */
        public static final Config V0_1_ALEX = new Config(new int[] {64, 192, 384, 256, 256},
                new float[] {-0.030f, -0.088f, -0.188f}, new float[] {0.458f, 0.448f, 0.450f}, 1e-10f);

        public static Config read(Path configJson) {
            JsonObject o = JudgeFiles.json(configJson);
            if (o.has("net") && !"alex".equals(o.get("net").getAsString())) {
                throw new IllegalArgumentException(configJson + ": net '" + o.get("net").getAsString() + "' is not supported (only 'alex')");
            }
            if (o.has("version") && !"0.1".equals(o.get("version").getAsString())) {
                throw new IllegalArgumentException(configJson + ": LPIPS version '" + o.get("version").getAsString() + "' is not supported (only 0.1)");
            }
            Config d = V0_1_ALEX;
            int[] chns = d.channels;
            if (o.has("chns")) {
                JsonArray a = o.getAsJsonArray("chns");
                chns = new int[a.size()];
                for (int i = 0; i < chns.length; i++) chns[i] = a.get(i).getAsInt();
            }
            float[] shift = d.shift;
            float[] scale = d.scale;
            if (o.has("scaling_layer")) {
                shift = floats(o.getAsJsonObject("scaling_layer").getAsJsonArray("shift"));
                scale = floats(o.getAsJsonObject("scaling_layer").getAsJsonArray("scale"));
            }
            float eps = o.has("normalize_tensor_eps") ? o.get("normalize_tensor_eps").getAsFloat() : d.eps;
            return new Config(chns, shift, scale, eps);
        }

        private static float[] floats(JsonArray a) {
            float[] out = new float[a.size()];
            for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsFloat();
            return out;
        }
    }

    /** dist [N,1,1,1] (what LPIPS.forward returns) and the five per-layer terms, each [N,1,1,1]. */
    public record Output(NDArray dist, List<NDArray> perLayer) {
    }

    private final NDManager manager;
    private final Weights trunk;
    private final Weights lin;
    private final Config cfg;

    private Lpips(NDManager manager, Weights trunk, Weights lin, Config cfg) {
        this.manager = manager;
        this.trunk = trunk;
        this.lin = lin;
        this.cfg = cfg;
        if (cfg.channels.length != TRUNK.length) {
            throw new IllegalArgumentException("LPIPS alex has " + TRUNK.length + " layers, config lists " + cfg.channels.length + " channel counts");
        }
        int in = 3;
        for (int k = 0; k < TRUNK.length; k++) {
            Weights conv = trunk.sub("features." + TRUNK[k][0]);
            int c = cfg.channels[k];
            long kernel = conv.get("weight").getShape().get(2);
            conv.get("weight", new Shape(c, in, kernel, kernel));
            conv.get("bias", new Shape(c));
            lin.get("lin" + k + ".model.1.weight", new Shape(1, c, 1, 1));
            in = c;
        }
    }

    /** The lpips v0.1 alex net from its two safetensors files (conversion: {@link #CONVERSION}). */
    public static Lpips load(Path alexnet, Path lin) {
        return load(alexnet, lin, Config.V0_1_ALEX);
    }

    /**
     * @param alexnet torchvision {@code features.*} keys, or an LPIPS module state dict ({@code net.sliceK.N.*},
     *                read under the torchvision names)
     */
    public static Lpips load(Path alexnet, Path lin, Config cfg) {
        NDManager m = NDManager.newBaseManager();
        try {
            Map<String, NDArray> t = new LinkedHashMap<>();
            JudgeFiles.safetensors(alexnet, m, CONVERSION).forEach((k, v) -> t.put(k.replaceFirst("^net\\.slice\\d+\\.", "features."), v));
            Map<String, NDArray> l = JudgeFiles.safetensors(lin, m, CONVERSION);
            return new Lpips(m, new Weights(t, alexnet.toString()), new Weights(l, lin.toString()), cfg);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** LPIPS of two [N,3,H,W] batches in [-1,1]. */
    public Output forward(NDArray in0, NDArray in1) {
        return forward(in0, in1, null);
    }

    /**
     * Records, when {@code trace} is not null, the fixture's intermediates: {@code in0_scaled},
     * {@code in1_scaled}, {@code feat{k}.in0/.in1} (before normalisation), {@code lin{k}_map}.
     */
    public Output forward(NDArray in0, NDArray in1, Map<String, NDArray> trace) {
        if (!in0.getShape().equals(in1.getShape()) || in0.getShape().dimension() != 4 || in0.getShape().get(1) != 3) {
            throw new IllegalArgumentException("LPIPS compares two [N,3,H,W] batches of one shape, got " + in0.getShape() + " and " + in1.getShape());
        }
        List<NDArray> f0 = features(scale(in0, trace, "in0_scaled"), trace, "in0");
        List<NDArray> f1 = features(scale(in1, trace, "in1_scaled"), trace, "in1");
        List<NDArray> terms = new ArrayList<>();
        NDArray dist = null;
        for (int k = 0; k < f0.size(); k++) {
            NDArray d = normalise(f0.get(k)).sub(normalise(f1.get(k))).square();
            NDArray map = Nn.conv2d(d, lin.get("lin" + k + ".model.1.weight"), null, 1, 0, 0, 1);
            if (trace != null) trace.put("lin" + k + "_map", map);
            Shape s = map.getShape();
            NDArray res = map.reshape(s.get(0), 1, s.get(2) * s.get(3)).mean(new int[] {2}, true).reshape(s.get(0), 1, 1, 1);
            terms.add(res);
            dist = dist == null ? res : dist.add(res);
        }
        return new Output(dist, terms);
    }

    /** ScalingLayer: (x − shift[c]) / scale[c] in float32. */
    private NDArray scale(NDArray x, Map<String, NDArray> trace, String name) {
        NDManager m = x.getManager();
        NDArray y = x.sub(m.create(cfg.shift).reshape(1, 3, 1, 1)).div(m.create(cfg.scale).reshape(1, 3, 1, 1));
        if (trace != null) trace.put(name, y);
        return y;
    }

    private List<NDArray> features(NDArray x, Map<String, NDArray> trace, String input) {
        List<NDArray> out = new ArrayList<>();
        NDArray h = x;
        for (int k = 0; k < TRUNK.length; k++) {
            int[] t = TRUNK[k];
            if (t[3] == 1) h = Pool.maxPool2d(h, new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), false);
            Weights conv = trunk.sub("features." + t[0]);
            h = Activation.relu(Nn.conv2d(h, conv.get("weight"), conv.get("bias"), t[1], t[2], t[2], 1));
            if (trace != null) trace.put("feat" + k + "." + input, h);
            out.add(h);
        }
        return out;
    }

    /** f / (sqrt(Σ_c f²) + eps): the eps is added to the norm, so an all-zero position stays 0. */
    private NDArray normalise(NDArray f) {
        NDArray norm = f.square().sum(new int[] {1}, true).sqrt();
        return f.div(norm.add(cfg.eps));
    }

    /** An image as LPIPS input with lpips' own recipe: ToTensor (float32 v/255), then 2x − 1. */
    public static NDArray tensorInput(NDManager m, List<RgbImage> images) {
        return toInput(m, images, false);
    }

    /**
     * rohitgandikota/erasing {@code lpips_eval.py}'s loader: {@code Resize(size)} (short side, PIL bilinear
     * on uint8), ToTensor, then (x − 0.5)·2 (which rounds differently from 2x − 1 below 0.25).
     */
    public static NDArray esdInput(NDManager m, List<RgbImage> images, int size) {
        List<RgbImage> resized = new ArrayList<>();
        for (RgbImage img : images) resized.add(PilResize.resizeShortSide(img, size, PilResize.Filter.BILINEAR));
        return toInput(m, resized, true);
    }

    private static NDArray toInput(NDManager m, List<RgbImage> images, boolean esd) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images");
        int h = images.get(0).height();
        int w = images.get(0).width();
        float[] out = new float[images.size() * 3 * h * w];
        for (int n = 0; n < images.size(); n++) {
            RgbImage img = images.get(n);
            if (img.height() != h || img.width() != w) {
                throw new IllegalArgumentException("LPIPS batches need one size: image " + n + " is " + img.height() + "x" + img.width()
                        + ", image 0 is " + h + "x" + w);
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = img.at(y, x, c) / 255f;
                        out[((n * 3 + c) * h + y) * w + x] = esd ? (v - 0.5f) * 2f : 2f * v - 1f;
                    }
                }
            }
        }
        return m.create(out, new Shape(images.size(), 3, h, w));
    }

    /** Per-pair LPIPS distances of two equally long lists of same-size images (lpips' 2x − 1 input). */
    public float[] distances(List<RgbImage> a, List<RgbImage> b) {
        if (a.size() != b.size()) throw new IllegalArgumentException("LPIPS pairs: " + a.size() + " images vs " + b.size());
        try (NDManager m = manager.newSubManager()) {
            return forward(tensorInput(m, a), tensorInput(m, b)).dist().toFloatArray();
        }
    }

    public Config config() {
        return cfg;
    }

    /** The files the trunk and the linear layers were read from. */
    public List<String> sources() {
        return List.of(trunk.source(), lin.source());
    }

    @Override
    public void close() {
        manager.close();
    }
}
