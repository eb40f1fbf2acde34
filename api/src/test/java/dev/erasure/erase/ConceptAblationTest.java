package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Weights;
import dev.erasure.train.SeededRandom;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concept Ablation on the tiny fixture (8×8 latents, 2 anchors sampled in 3 DDIM steps, batch 1):
 * the ablation gap shrinks, only the chosen group trains, same seed → bit-identical weights.
 */
class ConceptAblationTest extends TinyModels {
    private static final List<String> ANCHORS = List.of("a painting of a house", "a painting of a tree");

    private static Erasure tiny(ConceptAblation ca, int steps) {
        return Erasure.of(model).target("Van Gogh").latentSize(8).seed(11).steps(steps).learningRate(1e-3)
                .method(ca.anchorImages(2).anchorSampling(3, 6).batchSize(1).anchorPrompts(ANCHORS));
    }

    @Test
    void documentedDefaults() {
        var s = Erasure.of(model).target("Van Gogh").method(Methods.conceptAblation()).settings();
        assertEquals(100, s.iterations());
        assertEquals(8e-6, s.learningRate(), 1e-15);
        assertEquals(200, Methods.conceptAblation().prompts().size());
        assertEquals(1000, Erasure.of(model).target("x").settings().iterations());
    }

    @Test
    void ablationGapShrinksAndOnlyTheGroupTrains() {
        double before = gap(model.unetWeights());
        try (ErasureResult r = tiny(Methods.conceptAblation(), 30).run()) {
            List<String> kv = ConceptAblation.Group.CROSSATTN_KV.params().select(model.unetWeights().keys());
            assertEquals(new TreeSet<>(kv), new TreeSet<>(r.changedTensors().keySet()));
            for (String k : kv) {
                assertFalse(Arrays.equals(model.unetWeights().get(k).toFloatArray(),
                        r.changedTensors().get(k).toFloatArray()), k + " did not train");
            }
            for (String k : model.unetWeights().keys()) {
                if (!kv.contains(k)) {
                    assertArrayEquals(model.unetWeights().get(k).toFloatArray(), r.unetWeights().get(k).toFloatArray(), k);
                }
            }
            double after = gap(r.unetWeights());
            assertTrue(after < before, "ablation gap " + before + " -> " + after);
            assertEquals(30, r.stepsDone());
        }
    }

    @Test
    void attnGroupSelectsEveryAttentionProjection() {
        try (ErasureResult r = tiny(Methods.conceptAblation().group(ConceptAblation.Group.ATTN).noiseBased(), 1).run()) {
            TreeSet<String> keys = new TreeSet<>(r.changedTensors().keySet());
            assertTrue(keys.stream().anyMatch(k -> k.contains("attn1.to_q")));
            assertTrue(keys.stream().anyMatch(k -> k.contains("attn2.to_out.0.bias")));
            assertTrue(keys.stream().allMatch(k -> k.matches(".*attn[12]\\.(to_q|to_k|to_v|to_out).*")), keys.toString());
            assertEquals("CA-noise", r.method());
        }
    }

    @Test
    void sameSeedSameWeights() {
        try (ErasureResult a = tiny(Methods.conceptAblation(), 2).run();
             ErasureResult b = tiny(Methods.conceptAblation(), 2).run()) {
            for (String k : a.changedTensors().keySet()) {
                assertArrayEquals(a.changedTensors().get(k).toFloatArray(), b.changedTensors().get(k).toFloatArray(), k);
            }
        }
    }

    /** mean ‖ε_W(z,t,E(p)) − ε_W(z,t,E(a))‖² over fixed latents, timesteps and both style templates. */
    private static double gap(Weights w) {
        NoisePredictor unet = model.unet(w);
        SeededRandom rnd = new SeededRandom(99);
        double sum = 0;
        int n = 0;
        try (NDScope scope = new NDScope()) {
            for (String a : ANCHORS) {
                for (String p : List.of(a + ", in the style of Van Gogh", "in Van Gogh's style, " + a)) {
                    Conditioning texts = model.condition(List.of(p, a), 8);
                    for (int t : new int[] {100, 500, 900}) {
                        NDArray z = model.manager().create(rnd.gaussians(4 * 8 * 8), new Shape(1, 4, 8, 8));
                        NDArray ep = unet.predict(z, t, texts.rows(0, 1));
                        NDArray ea = unet.predict(z, t, texts.rows(1, 2));
                        sum += ep.sub(ea).square().mean().getFloat();
                        n++;
                    }
                }
            }
        }
        return sum / n;
    }
}
