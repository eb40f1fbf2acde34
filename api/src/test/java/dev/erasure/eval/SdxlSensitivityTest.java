package dev.erasure.eval;

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

    static double red(BufferedImage img) {
        double s = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) s += (img.getRGB(x, y) >> 16) & 0xff;
        return s / (img.getWidth() * img.getHeight());
    }
}
