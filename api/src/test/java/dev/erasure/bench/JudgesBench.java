package dev.erasure.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.eval.RgbImage;
import dev.erasure.eval.judge.Fid;
import dev.erasure.eval.judge.FidInception;
import dev.erasure.eval.judge.FidPreprocess;
import dev.erasure.eval.judge.ImageFiles;
import dev.erasure.eval.judge.ImageNetClassifier;
import dev.erasure.eval.judge.Lpips;
import dev.erasure.eval.judge.NudeDetector;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.scheduler.LmsDiscreteScheduler;
import dev.erasure.testing.Fixtures;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Judge throughput on this CPU ({@code ./erasure bench judges}): NudeNet's pre-processing alone
 * and the whole detect (pre-processing, ONNX Runtime, post-processing) per fixture image with the
 * tiny detector, which has the real 320n signature but far fewer layers (real-model timings need
 * the user's 320n.onnx: pass its path as the first argument); and building a 100-step LMS
 * schedule plus all its coefficients (the papers' sampler; the UNet dominates sampling anyway);
 * then ResNet-50, LPIPS and the FID Inception at their real sizes ({@link #networks}).
 */
public final class JudgesBench {
    private JudgesBench() {
    }

    public static void main(String[] args) {
        Path folder = Fixtures.nudenet();
        Path model = args.length > 0 ? Path.of(args[0]) : folder.resolve("tiny-nudenet.onnx");
        List<Path> images = ImageFiles.list(folder.resolve("images"));
        try (NudeDetector d = NudeDetector.load(model)) {
            System.out.println("NudeNet detector " + model.getFileName() + " (" + d.resolution() + " px), one image at a time:");
            System.out.printf("%-24s %12s %12s %10s%n", "image", "preprocess", "detect", "images/s");
            for (Path p : images) {
                BufferedImage img = ImageFiles.read(p);
                double pre = Bench.medianMillis(2, 5, () -> NudeDetector.preprocess(img, d.resolution()));
                double all = Bench.medianMillis(2, 5, () -> d.detect(img));
                System.out.printf("%-24s %9.1f ms %9.1f ms %10.1f%n", p.getFileName(), pre, all, 1000 / all);
            }
        }
        double lms = Bench.medianMillis(3, 11, () -> {
            var s = LmsDiscreteScheduler.papers().schedule(100);
            for (int i = 0; i < 100; i++) s.coefficients(i);
        });
        System.out.printf("LMS papers() schedule, 100 steps, all coefficients: %.2f ms%n", lms);
        networks();
    }

    /**
     * The other judges at their real sizes: ResNet-50 and the 2048-d FID Inception with random weights
     * of the real key lists (shared/fixtures/tiny-resnet/resnet50-keys.json, tiny-fid/inception-keys.json;
     * speed does not depend on the values), LPIPS with the fixture's full-width AlexNet trunk.
     */
    static void networks() {
        try (NDManager m = NDManager.newBaseManager()) {
            Path dir = Files.createTempDirectory("judges-bench");
            RgbImage sd = RgbImage.of(ImageFiles.read(Fixtures.nudenet().resolve("images/sd_512x512.png")));
            List<RgbImage> four = List.of(sd, sd, sd, sd);

            Path r50 = randomWeights(Fixtures.resnet().resolve("resnet50-keys.json"), dir.resolve("resnet50.safetensors"));
            try (ImageNetClassifier c = ImageNetClassifier.load(r50)) {
                double pre = Bench.medianMillis(1, 5, () -> c.preprocess().pixelValues(m, List.of(sd)).close());
                double all = Bench.medianMillis(1, 3, () -> c.classify(four));
                System.out.printf("ResNet-50 (real size, random weights), 512 px image: preprocess %.1f ms, classify batch of 4 %.0f ms = %.1f images/s%n",
                        pre, all, 4000 / all);
            }

            Path lpipsDir = Fixtures.lpips();
            try (Lpips lpips = Lpips.load(lpipsDir.resolve("alexnet.safetensors"), lpipsDir.resolve("lpips-lin.safetensors"))) {
                double full = Bench.medianMillis(1, 3, () -> lpips.distances(List.of(sd), List.of(sd)));
                double esd;
                try (NDManager s = m.newSubManager()) {
                    esd = Bench.medianMillis(1, 5, () -> lpips.forward(Lpips.esdInput(s, List.of(sd), 64), Lpips.esdInput(s, List.of(sd), 64)));
                }
                System.out.printf("LPIPS alex (real trunk size): one 512x512 pair %.0f ms = %.1f pairs/s; ESD loader (64 px) %.1f ms = %.0f pairs/s%n",
                        full, 1000 / full, esd, 1000 / esd);
            }

            Path inc = randomWeights(Fixtures.fid().resolve("inception-keys.json"), dir.resolve("inception.safetensors"));
            try (FidInception inception = FidInception.load(inc)) {
                for (FidPreprocess p : FidPreprocess.values()) {
                    Fid fid = new Fid(inception, p);
                    double t = Bench.medianMillis(1, 3, () -> fid.featuresOf(four));
                    System.out.printf("FID Inception (real size, %d-d), %s, batch of 4 512 px images: %.0f ms = %.1f images/s%n",
                            inception.dims(), p, t, 4000 / t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A safetensors file with a key list's names and shapes: conv/linear weights N(0, 1/fan_in), BN identity. */
    static Path randomWeights(Path keysJson, Path out) throws IOException {
        JsonObject keys = JsonParser.parseString(Files.readString(keysJson)).getAsJsonObject().getAsJsonObject("keys");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : keys.entrySet()) {
                String k = e.getKey();
                if (!"F32".equals(e.getValue().getAsJsonArray().get(0).getAsString())) continue;
                JsonArray dims = e.getValue().getAsJsonArray().get(1).getAsJsonArray();
                long[] shape = new long[dims.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i).getAsLong();
                Shape s = new Shape(shape);
                boolean bn = k.matches(".*(bn\\d?|downsample\\.1|\\.bn)\\.(weight|bias|running_mean|running_var)");
                if (bn) {
                    t.put(k, k.endsWith("weight") || k.endsWith("running_var") ? m.ones(s) : m.zeros(s));
                } else if (shape.length > 1) {
                    t.put(k, m.randomNormal(0, (float) Math.sqrt(1.0 / (s.size() / shape[0])), s, DataType.FLOAT32));
                } else {
                    t.put(k, m.zeros(s));
                }
            }
            Safetensors.save(out, t, Map.of());
        }
        return out;
    }
}
