package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UCE on the tiny SDXL model: only cross-attention K/V (56-wide inputs) change, the erased prompt's keys move more than a preserved one's, and images change. */
class SdxlUceTest {
    @Test
    void uceEditsSdxlCrossAttention() {
        try (StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"));
             NDManager into = xl.manager().newSubManager()) {
            SdxlErasureModel model = new SdxlErasureModel(xl);
            String erased = "Kelly McKernan";
            String kept = "a photo of a garbage truck";
            Map<String, NDArray> edited = Uce.eapBaseline().preserve(kept).edit(model, List.of(erased), into, ProgressListener.NONE);
            assertTrue(!edited.isEmpty());
            int width = (int) model.encode(List.of("")).getShape().get(2);
            for (Map.Entry<String, NDArray> e : edited.entrySet()) {
                assertTrue(e.getKey().matches(".*attn2\\.to_[kv]\\.weight"), e.getKey());
                assertEquals(width, e.getValue().getShape().get(1), "K/V read the concatenated prompt embeddings");
            }
            String key = edited.keySet().iterator().next();
            NDArray w0 = model.unetWeights().get(key);
            NDArray w1 = edited.get(key);
            double erasedChange = change(model, erased, w0, w1);
            double keptChange = change(model, kept, w0, w1);
            System.out.printf("UCE on SDXL %s: erased prompt keys change %.4g, preserved %.4g%n", key, erasedChange, keptChange);
            assertTrue(erasedChange > 2 * keptChange, "erased " + erasedChange + " vs preserved " + keptChange);

            StableDiffusionXL after = model.withUnetWeights(model.unetWeights().overlay(edited));
            Generation g = Generation.of(erased).seed(1).steps(2).size(64, 64);
            assertTrue(differ(xl.generate(g), after.generate(g)), "erasing changed nothing");
        }
    }

    private static double change(SdxlErasureModel model, String prompt, NDArray w0, NDArray w1) {
        NDArray c = model.encode(List.of(prompt)).get(0);
        return c.matMul(w1.transpose()).sub(c.matMul(w0.transpose())).norm().getFloat()
                / c.matMul(w0.transpose()).norm().getFloat();
    }

    private static boolean differ(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) for (int x = 0; x < a.getWidth(); x++) if (a.getRGB(x, y) != b.getRGB(x, y)) return true;
        return false;
    }
}
