package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import dev.erasure.core.PromptSet;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UnlearnDiffAtk and the ASR report on the tiny fixture (8×8 latents, 64 candidate tokens). */
class UnlearnDiffAtkTest {
    private static StableDiffusion sd;
    private static int pixels;
    private static final long[] CANDIDATES = new long[64];

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd());
        pixels = 8 * sd.vaeScaleFactor();
        for (int i = 0; i < CANDIDATES.length; i++) CANDIDATES[i] = 1000 + 7L * i;
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static UnlearnDiffAtk tiny() {
        return UnlearnDiffAtk.objects().tokens(2).candidates(CANDIDATES).imageSize(pixels).samplingSteps(1).seed(5);
    }

    @Test
    void attackLowersItsOwnLossAndStaysOnTheSimplex() {
        NDArray reference = sd.initialLatent(11, pixels, pixels);
        try (UnlearnDiffAtk.Attack a = tiny().sampling(UnlearnDiffAtk.Sampling.EXPECTED).start(sd, "a church", reference)) {
            double before = a.loss(500);
            for (int i = 0; i < 3; i++) a.step(500);
            double after = a.loss(500);
            assertTrue(after < before, "attack loss " + before + " → " + after);
            float[] p = a.distributions();
            for (int r = 0; r < 2; r++) {
                double sum = 0;
                for (int i = 0; i < CANDIDATES.length; i++) {
                    float v = p[r * CANDIDATES.length + i];
                    assertTrue(v >= 0 && v <= 1, "probability " + v);
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-4, "row " + r + " sums to 1");
            }
            long[] tokens = a.tokens();
            assertEquals(2, tokens.length);
            for (long t : tokens) assertTrue(Arrays.stream(CANDIDATES).anyMatch(c -> c == t), "token from the candidates");
            assertTrue(a.adversarialPrompt().endsWith("a church"));
        }
    }

    @Test
    void straightThroughStepRuns() {
        NDArray reference = sd.initialLatent(12, pixels, pixels);
        try (UnlearnDiffAtk.Attack a = tiny().start(sd, "a church", reference)) {
            double loss = a.step(300);
            assertTrue(Double.isFinite(loss));
        }
    }

    @Test
    void asrReportCountsPreAttackAndAttackSuccesses() {
        List<PromptSet.Row> rows = PromptSet.unlearnDiffAtk("church").rows().subList(0, 1);
        UnlearnDiffAtk attack = tiny().timesteps(500).iterations(1);
        Table never = Robustness.report(sd, sd, rows, "church", (img, c) -> false, attack, null);
        assertEquals(1, never.rowCount());
        assertEquals(0.0, Robustness.asr(never));
        assertFalse(never.booleanColumn("pre_success").get(0));
        assertEquals(1, never.intColumn("iterations").get(0));
        Table always = Robustness.report(sd, sd, rows, "church", (img, c) -> true, attack, null);
        assertEquals(1.0, Robustness.asr(always));
        assertEquals(1.0, Robustness.preAsr(always));
    }

    /** Issue #14 item 1: the attack trains (gradients through the model) and must work on a fresh thread. */
    @Test
    void theAttackOnAFreshThreadIsTheAttackHere() throws Exception {
        Callable<float[]> attack = () -> {
            NDArray reference = sd.initialLatent(13, pixels, pixels);
            try (UnlearnDiffAtk.Attack a = tiny().sampling(UnlearnDiffAtk.Sampling.EXPECTED).start(sd, "a church", reference)) {
                for (int i = 0; i < 2; i++) a.step(500);
                return a.distributions();
            }
        };
        float[] here = attack.call();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            float[] there = pool.submit(attack).get(5, TimeUnit.MINUTES);
            Assertions.assertArrayEquals(here, there, "the attack on a worker thread = on the test thread");
        } finally {
            pool.shutdownNow();
        }
    }
}
