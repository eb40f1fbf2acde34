package dev.erasure.bench;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonParser;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.MemoryEstimate;
import dev.erasure.erase.Sd14;
import dev.erasure.erase.Sd21;
import dev.erasure.erase.SdxlBase;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.nn.Kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Peak memory per erasure iteration ({@code ./erasure bench erase-memory [fixture-folder] [fp32|fp16|both]}):
 * (1) SD-1.4 recipes at 512×512 (latent 64), SD-2.1 at 768×768 (latent 96) and SDXL base at 1024×1024 (latent 128) estimated from
 * the shapes ({@link MemoryEstimate}) in fp32 (composite and fused attention) and fp16 (mixed precision, fused);
 * (2) the tiny fixture model: the same estimate next to the measured growth of the process's
 * peak resident memory (VmHWM, reset through /proc/self/clear_refs) over two iterations, and the time
 * per iteration, for the model loaded in fp32 and in fp16 (mixed precision). Batch 1, CPU.
 */
public final class EraseMemoryBench {
    private EraseMemoryBench() {
    }

    record Recipe(String name, Params params, Preserve preserve) {
    }

    static final List<Recipe> RECIPES = List.of(
            new Recipe("ESD-x (objects/artists)", Params.crossAttention(), Preserve.none()),
            new Recipe("ESD-u (nudity)", Params.nonCrossAttention(), Preserve.none()),
            new Recipe("EAP-x, K=100 (objects/artists)", Params.crossAttention(), Preserve.adversarial(100)),
            new Recipe("EAP-u, K=50 (nudity)", Params.nonCrossAttention(), Preserve.adversarial(50)),
            new Recipe("ESD full", Params.full(), Preserve.none()));

    public static void main(String[] args) throws IOException {
        UNetConfig sd14 = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        estimates("SD-1.4 UNet, 512×512 (latent 64)", sd14, 64);
        UNetConfig sd21 = UNetConfig.fromJson(JsonParser.parseString(Sd21.UNET_CONFIG).getAsJsonObject());
        estimates("SD-2.1 UNet (768-v), 768×768 (latent 96)", sd21, 96);
        UNetConfig xl = UNetConfig.fromJson(JsonParser.parseString(SdxlBase.UNET_CONFIG).getAsJsonObject());
        estimates("SDXL base UNet, 1024×1024 (latent 128; the frozen text encoders and VAE, 0.9 B parameters, are not counted: "
                + "≈ 3.4 GiB more in fp32, 1.7 in fp16)", xl, 128);

        Path fixture = Path.of(args.length > 0 ? args[0] : "../shared/fixtures/tiny-sd");
        if (!Files.isDirectory(fixture)) fixture = Path.of("fixtures/tiny-sd");
        System.out.println();
        System.out.println("tiny fixture (" + fixture + "): estimate vs measured peak-RSS growth over 2 iterations (5-step DDIM grid)");
        System.out.printf(Locale.ROOT, "%-32s %6s %12s %12s %10s%n", "recipe", "latent", "est. MiB", "meas. MiB", "s/iteration");
        // one dtype per process gives clean numbers: memory the first one freed stays in the process (malloc keeps
        // it), so the second one's peak barely rises above its baseline (measured: 0.0 MiB for fp16 after fp32)
        String which = args.length > 1 ? args[1] : "fp32";
        for (DataType dtype : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
            if (which.equals("both") || which.equals(dtype == DataType.FLOAT32 ? "fp32" : "fp16")) measureTiny(fixture, dtype);
        }
        System.out.println("est. excludes the frozen weights (already resident before the run); "
                + "meas. = VmHWM − VmRSS before the run (includes the EN3K candidate search for EAP).");
    }

    /** The tiny model loaded in {@code dtype}: estimate vs measured peak-RSS growth per recipe and latent size. */
    private static void measureTiny(Path fixture, DataType dtype) {
        System.out.println("-- " + dtype);
        try (StableDiffusion sd = StableDiffusion.load(fixture, LoadOptions.defaults().dtype(dtype))) {
            for (int latent : new int[] {8, 16, 32}) {
                for (Recipe r : List.of(RECIPES.get(0), RECIPES.get(3))) {
                    Preserve p = r.preserve() instanceof Preserve.Adversarial ? Preserve.adversarial(4).kClosest(16) : r.preserve();
                    MemoryEstimate est = MemoryEstimate.of(sd.unet().config(), r.params(), p, latent, dtype);
                    Erasure e = Erasure.of(sd).target("church").train(r.params()).preserve(p).latentSize(latent)
                            .ddimGrid(5).iterations(2).vocabulary(Vocabulary.english3000());
                    e.iterations(1).run().close(); // warm-up (allocator, candidate set code paths)
                    long base = status("VmRSS");
                    resetPeak();
                    long t0 = System.nanoTime();
                    try (ErasureResult res = e.run()) {
                        double secs = (System.nanoTime() - t0) / 1e9 / res.stepsDone();
                        long peak = status("VmHWM");
                        System.out.printf(Locale.ROOT, "%-32s %6d %12.1f %12.1f %10.2f%n", r.name(), latent,
                                (est.peakBytes() - est.frozenBytes()) / 1048576.0, (peak - base) / 1024.0, secs);
                    }
                }
            }
        }
    }

    /** The recipes' estimates in fp32 with composite and with fused kernels, and in fp16 (mixed precision) with fused ones. */
    private static void estimates(String model, UNetConfig cfg, int latent) {
        System.out.println();
        System.out.println(model + ", batch 1 — estimate from shapes");
        System.out.printf(Locale.ROOT, "%-32s %14s %9s %9s %9s %9s %9s %9s %9s%n", "recipe", "trained params",
                "frozen", "copy", "grads", "Adam", "activ.", "transient", "PEAK GiB");
        for (Object[] v : new Object[][] {{DataType.FLOAT32, Kernels.COMPOSITE}, {DataType.FLOAT32, Kernels.FUSED},
                {DataType.FLOAT16, Kernels.FUSED}}) {
            System.out.println("  " + v[0] + ", " + v[1] + " attention" + (v[0] == DataType.FLOAT16 ? " (mixed precision: fp32 masters, grads, Adam)" : ""));
            for (Recipe r : RECIPES) row(r.name(), MemoryEstimate.of(cfg, r.params(), r.preserve(), latent, (DataType) v[0], (Kernels) v[1]));
        }
    }

    private static void row(String name, MemoryEstimate m) {
        double g = 1L << 30;
        System.out.printf(Locale.ROOT, "%-32s %,14d %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f%n", name, m.trainableParams(),
                m.frozenBytes() / g, m.trainableBytes() / g, m.gradientBytes() / g, m.adamBytes() / g,
                m.activationBytes() / g, m.transientBytes() / g, m.peakBytes() / g);
    }

    /** A /proc/self/status field in kB (-1 when unavailable, e.g. not Linux). */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            // not Linux / not permitted: VmHWM then includes earlier peaks
        }
    }
}
