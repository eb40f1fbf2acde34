package dev.erasure.eval;

import dev.erasure.sd.Conditioning;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArray;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sensitivity spectrum on SDXL (issue #13): δ(c) from the two pipelines' images, similarity in SDXL's pooled space. */
class SdxlSensitivityTest {
    /** Mean red value: any deterministic score does (the spectrum is a difference of scores). */
    static final ImageScorer RED = (images, prompt) -> images.stream().mapToDouble(SdxlSensitivityTest::red).toArray();

    @Test
    void deltaIsTheScoreDropOfSameSeedImages(@TempDir Path dir) {
        try (StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"))) {
            Weights w = xl.unet().weights();
            String key = w.keys().stream().filter(k -> k.contains("attn2.to_v")).findFirst().orElseThrow();
            NDArray changed = w.get(key).mul(-1f);
            Path file = dir.resolve("erased.safetensors");
            Safetensors.save(file, Map.of(key, changed), Map.of("format", "pt"));
            Pipeline erased = xl.withUnetWeights(file);
            Table t = Sensitivity.of(xl, erased).imagesPerConcept(2).samplingSteps(2).imageSize(64).seed(5).scorer(RED)
                    .target("church").over(List.of("church", "tree"));
            for (int c = 0; c < 2; c++) {
                String concept = t.stringColumn("concept").get(c);
                double drop = 0;
                for (int i = 0; i < 2; i++) {
                    Generation g = Generation.of(concept).seed(5 + i).samplingSteps(2).guidance(7.5f).size(64, 64);
                    drop += (red(xl.generate(g)) - red(erased.generate(g))) / 2;
                }
                assertEquals(drop, t.doubleColumn("delta_mean").get(c), 1e-9, concept + ": δ from the same seeds (same images, exact)");
            }
            assertEquals(1.0, t.doubleColumn("similarity").get(0), 1e-6, "the target is most similar to itself");
            assertTrue(t.doubleColumn("similarity").get(1) < 1.0);
        }
    }

    /**
     * The image-free spectrum on SDXL: each concept's cosine and MSE equal a recomputation with SDXL's own
     * conditioning (prompt and pooled embeddings, time ids of the latent's image size) on the same latents and
     * timesteps; identical models give 1 and 0; the erased to_v moves the spectrum.
     */
    @Test
    void theNoiseSpectrumRunsOnSdxlWithItsOwnConditioning(@TempDir Path dir) {
        try (StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"))) {
            Weights w = xl.unet().weights();
            String key = w.keys().stream().filter(k -> k.contains("attn2.to_v")).findFirst().orElseThrow();
            Path file = dir.resolve("erased.safetensors");
            Safetensors.save(file, Map.of(key, w.get(key).mul(-1f)), Map.of("format", "pt"));
            StableDiffusionXL erased = xl.withUnetWeights(file);
            int latent = 8;
            NoiseSpectrum spectrum = Sensitivity.noisePredictions(xl, erased).samples(1).latentSize(latent).batchSize(2).target("church");
            List<String> concepts = List.of("church", "tree", "a red car");
            Table t = spectrum.over(concepts);
            Table same = Sensitivity.noisePredictions(xl, xl).samples(1).latentSize(latent).over(concepts);
            for (int c = 0; c < concepts.size(); c++) {
                assertEquals(1.0, same.doubleColumn("cosine").get(c), 1e-9, "identical models");
                assertEquals(0.0, same.doubleColumn("mse").get(c), 0.0, "identical models");
            }
            // one sample: latent = torch.manual_seed(0) randn, timestep uniform in [0, 1000) from java.util.Random(0)
            int tStep = (int) Math.floor(new java.util.Random(0).nextDouble() * 1000);
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(0);
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu()); NDScope scope = new NDScope()) {
                NDArray x = m.randomNormal(new Shape(1, 4, latent, latent));
                NDArray ts = m.create(new long[] {tStep});
                for (int c = 0; c < concepts.size(); c++) {
                    Conditioning cond = xl.conditioning(List.of(concepts.get(c)), latent * xl.vaeScaleFactor(), latent * xl.vaeScaleFactor());
                    double[] a = toDoubles(xl.unet().forward(x, ts, cond));
                    double[] b = toDoubles(erased.unet().forward(x, ts, cond));
                    double ab = 0, aa = 0, bb = 0, se = 0;
                    for (int i = 0; i < a.length; i++) {
                        ab += a[i] * b[i];
                        aa += a[i] * a[i];
                        bb += b[i] * b[i];
                        se += (a[i] - b[i]) * (a[i] - b[i]);
                    }
                    // batched rows vs one-row forwards: float32 rounding of the batched kernels
                    assertEquals(ab / Math.sqrt(aa * bb), t.doubleColumn("cosine").get(c), 1e-5, concepts.get(c) + " cosine");
                    assertEquals(se / a.length, t.doubleColumn("mse").get(c), 1e-5 * Math.max(1, se / a.length), concepts.get(c) + " mse");
                }
            }
            assertTrue(t.doubleColumn("cosine").min() < 1 - 1e-6, "the erased to_v changes the predictions: " + t.print());
            assertEquals(1.0, t.doubleColumn("similarity").get(0), 1e-6, "the target is most similar to itself");
        }
    }

    private static double[] toDoubles(NDArray a) {
        float[] f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double red(BufferedImage img) {
        double s = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) s += (img.getRGB(x, y) >> 16) & 0xff;
        return s / (img.getWidth() * img.getHeight());
    }
}
