package dev.erasure.bench;

import dev.erasure.eval.SensitivityImages;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Images per second of generation (DDIM with classifier-free guidance, VAE decode where the model
 * has one): {@code ./erasure bench generate [samplingSteps] [batch]}, default 20 sampling steps and batch 16, for
 * the tiny SD fixture at 64×64 px (8×8 latent) and at its native 256×256 px (batch 1 only: 7 s an
 * image), and for the ShapeWorld model (models/shapeworld, 16×16 px pixel space) when present.
 * Batch 1 is {@code sd.generate}; batched is one denoising batch of consecutive seeds.
 */
public final class GenerateBench {
    private GenerateBench() {
    }

    public static void main(String[] args) {
        int samplingSteps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        System.out.printf(Locale.ROOT, "threads %s, load average %.1f, %d DDIM steps, CFG%n",
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), samplingSteps);
        System.out.println("| model | size | batch | images/s | s/image |");
        try (StableDiffusion tiny = StableDiffusion.load(Fixtures.tinySd())) {
            Generation g = Generation.of("a photo of a church").samplingSteps(samplingSteps).guidance(7.5f);
            report("tiny-sd", tiny, g.size(64, 64), 1, 3);
            report("tiny-sd", tiny, g.size(64, 64), batch, 1);
            report("tiny-sd", tiny, g, 1, 1);
        }
        Path shapeworld = Fixtures.repositoryRoot().resolve("models/shapeworld");
        if (Files.isDirectory(shapeworld)) {
            try (StableDiffusion sw = StableDiffusion.load(shapeworld)) {
                Generation g = Generation.of("a red star").samplingSteps(samplingSteps).guidance(3f);
                report("shapeworld", sw, g, 1, 5);
                report("shapeworld", sw, g, batch, 2);
            }
        } else {
            System.out.println("(no ShapeWorld model at " + shapeworld + ")");
        }
    }

    /** Median over {@code runs} timed runs after one warm-up of {@code batch} images. */
    private static void report(String name, StableDiffusion sd, Generation g, int batch, int runs) {
        double ms = Bench.medianMillis(1, runs, () -> {
            if (batch == 1) sd.generate(g);
            else SensitivityImages.generate(sd, g, batch);
        });
        int size = g.height() == 0 ? sd.defaultImageSize() : g.height();
        double perImage = ms / 1000 / batch;
        System.out.printf(Locale.ROOT, "| %s | %dx%d | %d | %.2f | %.3f |%n", name, size, size, batch, 1 / perImage, perImage);
    }
}
