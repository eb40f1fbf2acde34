package dev.erasure.bench;

import dev.erasure.core.Vocabulary;
import dev.erasure.eval.NoiseSpectrum;
import dev.erasure.eval.Sensitivity;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import tech.tablesaw.api.Table;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The cheap sensitivity spectrum (noise-prediction similarity) over EN3K's 3000 words on the tiny
 * fixture: {@code ./erasure bench spectrum [batchSize] [samples] [latentSize] [words]} (omitted
 * arguments keep NoiseSpectrum's defaults). The erased model is the original itself (the cost does
 * not depend on the weights). One timed run, model loading excluded; prints wall time and load.
 */
public final class SpectrumBench {
    private SpectrumBench() {
    }

    public static void main(String[] args) {
        Vocabulary all = Vocabulary.english3000();
        int n = args.length > 3 ? Math.min(Integer.parseInt(args[3]), all.size()) : all.size();
        Vocabulary words = Vocabulary.of(all.words().subList(0, n));
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.tinySd())) {
            NoiseSpectrum spectrum = Sensitivity.noisePredictions(sd, sd).target(words.words().get(0));
            if (args.length > 0) spectrum = spectrum.batchSize(Integer.parseInt(args[0]));
            if (args.length > 1) spectrum = spectrum.samples(Integer.parseInt(args[1]));
            if (args.length > 2) spectrum = spectrum.latentSize(Integer.parseInt(args[2]));
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            long start = System.nanoTime();
            Table t = spectrum.over(words);
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "spectrum: %d words, %s, threads %s, load average %.1f at start: %.1f s (%.2f ms/word)%n",
                    t.rowCount(), args.length == 0 ? "defaults" : String.join(" ", args),
                    System.getProperty("ai.djl.pytorch.num_threads", "default"), load, s, s * 1000 / t.rowCount());
        }
    }
}
