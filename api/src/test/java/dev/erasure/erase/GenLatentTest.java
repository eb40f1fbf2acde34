package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.core.Compat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The §0.2 index rules of GenLatent, checked through the timesteps it visits and a closed form. */
class GenLatentTest {
    private static final float[] ALPHAS = scaledLinearAlphas();

    /** SD's scaled-linear ᾱ in float32 (the schedule's values are irrelevant to the index rules). */
    static float[] scaledLinearAlphas() {
        float[] a = new float[1000];
        double lo = Math.sqrt(0.00085);
        double hi = Math.sqrt(0.012);
        float prod = 1f;
        for (int t = 0; t < 1000; t++) {
            float b = (float) (lo + (hi - lo) * t / 999.0);
            prod *= 1f - b * b;
            a[t] = prod;
        }
        return a;
    }

    @Test
    void officialGridSkipsTheTopStepAndStopsAfterKMinusOne() {
        GenLatent g = new GenLatent(ALPHAS, 50, Compat.OFFICIAL);
        assertEquals(981, g.gridTimestep(49));
        assertEquals(1, g.gridTimestep(0));
        assertEquals(ALPHAS[0], g.alphaPrev(0));
        assertEquals(ALPHAS[21], g.alphaPrev(2));
        assertEquals(49, g.evaluations(0));
        assertEquals(49, g.evaluations(1));
        assertEquals(48, g.evaluations(2));
        assertEquals(1, g.evaluations(49));
        assertEquals(List.of(961, 941), visited(g, 48));
        assertEquals(List.of(961), visited(g, 49));
        assertEquals(visited(g, 0), visited(g, 1));
        assertEquals(1, visited(g, 0).get(48));
        assertEquals(200, g.ddpmLow(10));
        assertEquals(220, g.ddpmHigh(10));
        assertEquals(215, g.queryTimestep(10, 215));
    }

    @Test
    void correctedGridStartsAtTheTopAndEndsAtTauK() {
        GenLatent g = new GenLatent(ALPHAS, 50, Compat.CORRECTED);
        assertEquals(List.of(981), visited(g, 48));
        assertEquals(0, g.evaluations(49));
        assertEquals(49, g.evaluations(0));
        assertEquals(201, g.queryTimestep(10, 215));
    }

    /** With ε ≡ 0 every DDIM step scales x by √a_prev/√a, so the product telescopes to the output noise level. */
    @Test
    void latentNoiseLevelMatchesTheDocumentedOffset() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ones = m.ones(new Shape(1, 1, 1, 1));
            GuidedNoise zero = (x, t) -> x.zerosLike();
            GenLatent off = new GenLatent(ALPHAS, 50, Compat.OFFICIAL);
            for (int k : new int[] {2, 10, 25, 49}) {
                float got = off.run(zero, ones, k).getFloat();
                double want = Math.sqrt(ALPHAS[20 * k - 39]) / Math.sqrt(ALPHAS[961]);
                assertEquals(want, got, want * 1e-5, "OFFICIAL k=" + k + " ends at ᾱ[20k−39]");
            }
            double full = Math.sqrt(ALPHAS[0]) / Math.sqrt(ALPHAS[961]);
            assertEquals(full, off.run(zero, ones, 0).getFloat(), full * 1e-5);
            GenLatent fix = new GenLatent(ALPHAS, 50, Compat.CORRECTED);
            for (int k : new int[] {0, 10, 48}) {
                double want = Math.sqrt(ALPHAS[20 * k + 1]) / Math.sqrt(ALPHAS[981]);
                assertEquals(want, fix.run(zero, ones, k).getFloat(), want * 1e-5, "CORRECTED k=" + k + " ends at ᾱ[τ_k]");
            }
        }
    }

    @Test
    void smallerGridsFollowTheUniformDiscretisation() {
        GenLatent g = new GenLatent(ALPHAS, 10, Compat.OFFICIAL);
        assertEquals(10, g.gridSize());
        assertEquals(901, g.gridTimestep(9));
        assertArrayEquals(new int[] {8, 7, 6, 5}, g.visited(6));
        assertEquals(600, g.ddpmLow(6));
        assertEquals(700, g.ddpmHigh(6));
    }

    private static List<Integer> visited(GenLatent g, int k) {
        List<Integer> ts = new ArrayList<>();
        for (int j : g.visited(k)) ts.add(g.gridTimestep(j));
        return ts;
    }
}
