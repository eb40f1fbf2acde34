package dev.erasure.bench;

import dev.erasure.Vocabulary;
import dev.erasure.eval.Sensitivity;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import tech.tablesaw.api.Table;

import java.util.Locale;

/**
 * The cheap sensitivity spectrum (noise-prediction similarity) over EN3K's 3000 words on the tiny
 * fixture: {@code ./erasure bench spectrum [batchSize] [samples] [latentSize] [words]}. The erased model is
 * the original itself (the cost does not depend on the weights). Prints wall time per run.
 */
public final class SpectrumBench {
    private SpectrumBench() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int latent = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Vocabulary all = Vocabulary.english3000();
        int n = args.length > 3 ? Math.min(Integer.parseInt(args[3]), all.size()) : all.size();
        Vocabulary words = Vocabulary.of(all.words().subList(0, n));
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.tinySd())) {
            long start = System.nanoTime();
            Table t = Sensitivity.noisePredictions(sd, sd).batchSize(batch).samples(samples).latentSize(latent)
                    .target(words.words().get(0)).over(words);
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "spectrum: %d words, batch %d, %d samples, latent %dx%d, threads %s: %.1f s (%.2f ms/word)%n",
                    t.rowCount(), batch, samples, latent, latent, System.getProperty("ai.djl.pytorch.num_threads", "default"),
                    s, s * 1000 / t.rowCount());
        }
    }
}
