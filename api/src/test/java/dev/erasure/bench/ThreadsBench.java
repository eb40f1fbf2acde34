package dev.erasure.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.testing.Fixtures;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * libtorch thread settings, measured: {@code ./erasure bench threads}. An ESD-like training
 * step (two UNet forwards without gradient, one forward+backward with the cross-attention
 * weights trainable) on the ShapeWorld model (the tiny SD fixture when models/shapeworld is
 * absent), each setting in a fresh JVM (OpenMP reads OMP_WAIT_POLICY once, at load), for
 * OpenMP's default (spinning) and passive waiting, 1, 2, cores/2 and all cores, on the machine
 * as it is ("idle") and with a competing process that keeps every core busy ("contended").
 * The defaults that install/threads.sh chooses come from these tables (bench/README.md).
 */
public final class ThreadsBench {
    private static final int WARMUP = 2;
    private static final int RUNS = 7;

    private ThreadsBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            worker();
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        TreeSet<Integer> counts = new TreeSet<>(List.of(1, Math.min(2, cores), Math.max(1, cores / 2), cores));
        System.out.printf(Locale.ROOT, "machine: %d cores the JVM may use, %s; ESD-like step (2 forwards + forward/backward), median of %d%n",
                cores, System.getProperty("os.arch"), RUNS);
        System.out.println("| load | OMP_WAIT_POLICY | threads | step ms | load average |");
        System.out.println("|---|---|---|---|---|");
        for (String load : List.of("idle", "contended")) {
            List<Thread> competitors = new ArrayList<>();
            if (load.equals("contended")) competitors = spin(cores);
            for (String policy : List.of("default", "PASSIVE")) {
                for (int threads : counts) {
                    String ms = child(policy, threads);
                    System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.1f |%n", load, policy, threads, ms,
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                }
            }
            competitors.forEach(Thread::interrupt);
        }
    }

    /** {@code n} busy threads: another job that wants every core, as on a shared machine. */
    private static List<Thread> spin(int n) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                double x = 0;
                while (!Thread.currentThread().isInterrupted()) x += Math.sqrt(x + 1);
            }, "competitor-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** Runs the worker in a fresh JVM with the given OpenMP policy and thread count; its median step in ms. */
    private static String child(String policy, int threads) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx2g", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=" + threads, "-Dslf4j.internal.verbosity=ERROR",
                "-cp", System.getProperty("java.class.path"), ThreadsBench.class.getName(), "--worker");
        pb.redirectErrorStream(true);
        if (policy.equals("default")) pb.environment().remove("OMP_WAIT_POLICY");
        else pb.environment().put("OMP_WAIT_POLICY", policy);
        Process p = pb.start();
        String result = "failed";
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("STEP_MS ")) result = line.substring(8);
                else log.append(line).append('\n');
            }
        }
        if (p.waitFor() != 0 || result.equals("failed")) System.err.print(log);
        return result;
    }

    private static void worker() {
        Path shapeworld = Fixtures.repositoryRoot().resolve("models/shapeworld");
        Path model = Files.isDirectory(shapeworld) ? shapeworld : Fixtures.tinySd();
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            NDManager m = sd.manager();
            UNet2DConditionModel unet = sd.unet();
            long h = unet.config().sampleSize;
            NDArray x = m.randomNormal(new Shape(1, unet.config().inChannels, h, h));
            NDArray c = sd.encodePrompt("a circle");
            NDArray u = sd.encodePrompt("");
            NDArray t = m.create(new long[] {500});
            Map<String, NDArray> trainable = SdBench.attn2Trainable(unet);
            UNet2DConditionModel train = unet.withWeights(unet.weights().overlay(trainable));
            double ms = Bench.medianMillis(WARMUP, RUNS, () -> {
                try (NDScope s = new NDScope()) {
                    NDArray target = unet.forward(x, t, u).sub(unet.forward(x, t, c));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(train.forward(x, t, c).sub(target).square().mean());
                    }
                }
                for (NDArray p : trainable.values()) JniUtils.zeroGrad((PtNDArray) p);
            });
            System.out.printf(Locale.ROOT, "STEP_MS %.0f%n", ms);
        }
    }
}
