package dev.erasure.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.nn.Kernels;
import dev.erasure.sd.nn.Nn;
import dev.erasure.testing.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./erasure bench compare kernels [modelPath] [rounds]}: the tiny fixture's workloads (UNet
 * forward, UNet forward+backward with attn2 trainable, VAE decode, text encoder, 10-step CFG sample)
 * and SD-1.4's 64×64-latent self-attention shape, with the fused and the composite kernels
 * interleaved round by round (a contended machine slows both alike). Per workload: median ms and
 * minor page faults per call (from /proc/self/stat; the malloc settings of ./erasure remove most).
 * {@code ./erasure bench compare memory}: peak memory of the SD-1.4-shaped attention per path.
 */
public final class CompareBench {
    private CompareBench() {
    }

    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "kernels";
        if (what.equals("memory")) {
            memory();
            return;
        }
        if (!what.equals("kernels")) {
            System.err.println("unknown comparison '" + what + "' (available: kernels, memory)");
            System.exit(2);
        }
        Path model = args.length > 1 ? Paths.get(args[1]) : Fixtures.tinySd();
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("machine: %d cores, %s, DJL %s, threads=%s, MALLOC_ARENA_MAX=%s MALLOC_MMAP_THRESHOLD_=%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), Engine.getDjlVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"), System.getenv("MALLOC_ARENA_MAX"),
                System.getenv("MALLOC_MMAP_THRESHOLD_"));
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            Map<String, Runnable> work = workloads(sd);
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (Kernels k : Kernels.values()) {
                    System.setProperty(Kernels.PROPERTY, k.name().toLowerCase());
                    for (Map.Entry<String, Runnable> e : work.entrySet()) {
                        boolean slow = e.getKey().startsWith("10-step");
                        double[] m = measure(slow ? 1 : 2, slow ? 3 : 7, e.getValue());
                        results.computeIfAbsent(e.getKey() + "|" + k, x -> new ArrayList<>()).add(m);
                    }
                }
            }
            System.out.println("| workload | fused ms | composite ms | composite/fused | faults/call fused | composite |");
            System.out.println("|---|---|---|---|---|---|");
            for (String w : work.keySet()) {
                double[] f = best(results.get(w + "|FUSED"));
                double[] c = best(results.get(w + "|COMPOSITE"));
                System.out.printf("| %s | %.1f | %.1f | %.2f× | %.0f | %.0f |%n", w, f[0], c[0], c[0] / f[0], f[1], c[1]);
            }
            System.out.println("(ms: the lowest of " + rounds + " per-round medians; faults: minor page faults per call)");
        }
    }

    private static Map<String, Runnable> workloads(StableDiffusion sd) {
        NDManager m = sd.manager();
        UNet2DConditionModel unet = sd.unet();
        long h = unet.config().sampleSize;
        NDArray x = m.randomNormal(new Shape(1, unet.config().inChannels, h, h));
        NDArray c = sd.encodePrompt("a photo of a garbage truck");
        NDArray t = m.create(new long[] {500});
        Map<String, NDArray> trainable = SdBench.attn2Trainable(unet);
        UNet2DConditionModel trainUnet = unet.withWeights(unet.weights().overlay(trainable));
        NDArray z = m.randomNormal(new Shape(1, unet.config().inChannels, h, h));
        int size = (int) h * sd.vaeScaleFactor();
        // SD-1.4's first-level self-attention at 512 px: 4096 tokens of 320 channels, 8 heads (batch 1)
        NDArray q = m.randomNormal(new Shape(1, 4096, 320));
        NDArray k = m.randomNormal(new Shape(1, 4096, 320));
        NDArray v = m.randomNormal(new Shape(1, 4096, 320));
        Map<String, Runnable> work = new LinkedHashMap<>();
        work.put("tiny UNet forward", scoped(() -> unet.forward(x, t, c)));
        work.put("tiny UNet forward+backward (attn2)", () -> {
            try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(trainUnet.forward(x, t, c).square().mean());
            }
            for (NDArray p : trainable.values()) JniUtils.zeroGrad((PtNDArray) p);
        });
        work.put("tiny VAE decode " + size + " px", scoped(() -> sd.decode(z)));
        work.put("tiny text encoder (1 prompt)", scoped(() -> sd.encodePrompt("a photo of a garbage truck")));
        work.put("10-step CFG sample + decode " + size + " px",
                () -> sd.generate(Generation.of("a photo of a church").seed(1).samplingSteps(10).size(size, size)));
        work.put("self-attention 4096×320, 8 heads (SD-1.4 64×64 latent)", scoped(() -> Nn.attention(q, k, v, 8, null, false)));
        return work;
    }

    /**
     * {@code compare memory}: peak resident memory above the baseline of SD-1.4's 64×64-latent
     * self-attention (batch 2 as in CFG, 4096 tokens, 320 channels, 8 heads), forward and
     * forward+backward, per kernel path. The peak is VmHWM after resetting it through
     * /proc/self/clear_refs (Linux); on the CPU it approximates what the same ops hold on a GPU.
     */
    private static void memory() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 4096, 320));
            NDArray k = m.randomNormal(new Shape(2, 4096, 320));
            NDArray v = m.randomNormal(new Shape(2, 4096, 320));
            System.out.println("| SD-1.4 64×64 self-attention, batch 2 | fused peak MB | composite peak MB |");
            System.out.println("|---|---|---|");
            for (boolean backward : new boolean[] {false, true}) {
                double[] peak = new double[2];
                for (Kernels kern : Kernels.values()) {
                    System.setProperty(Kernels.PROPERTY, kern.name().toLowerCase());
                    peak[kern.ordinal()] = peakMb(() -> {
                        if (!backward) {
                            try (NDScope s = new NDScope()) {
                                Nn.attention(q, k, v, 8, null, false);
                            }
                            return;
                        }
                        q.setRequiresGradient(true);
                        try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(Nn.attention(q, k, v, 8, null, false).sum());
                        }
                        JniUtils.zeroGrad((PtNDArray) q);
                    });
                }
                System.out.printf("| %s | %.0f | %.0f |%n", backward ? "forward+backward (grad w.r.t. q)" : "forward",
                        peak[Kernels.FUSED.ordinal()], peak[Kernels.COMPOSITE.ordinal()]);
            }
        }
    }

    /**
     * MB of resident memory the body adds at its peak, on its first run (a warm-up run would leave
     * freed blocks in malloc's cache and hide them from the peak).
     */
    private static double peakMb(Runnable body) {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            throw new IllegalStateException("cannot reset the peak RSS (/proc/self/clear_refs): " + e.getMessage(), e);
        }
        long base = status("VmRSS");
        body.run();
        return (status("VmHWM") - base) / 1024.0;
    }

    /** A kB field of /proc/self/status. */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    private static Runnable scoped(Runnable body) {
        return () -> {
            try (NDScope s = new NDScope()) {
                body.run();
            }
        };
    }

    /** {median ms, minor faults per call} over {@code runs} after {@code warmup}. */
    private static double[] measure(int warmup, int runs, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        long f0 = minorFaults();
        double ms = Bench.medianMillis(0, runs, body);
        return new double[] {ms, (minorFaults() - f0) / (double) runs};
    }

    private static double[] best(List<double[]> rounds) {
        double[] b = rounds.get(0);
        for (double[] r : rounds) if (r[0] < b[0]) b = r;
        return b;
    }

    /** Field 10 of /proc/self/stat (minflt); -1 where there is no /proc. */
    static long minorFaults() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
