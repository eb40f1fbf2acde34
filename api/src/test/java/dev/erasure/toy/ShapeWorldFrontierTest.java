package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Compat;
import dev.erasure.core.Preserve;
import dev.erasure.erase.AdversarialPreservation;
import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.GenLatent;
import dev.erasure.toy.ShapeWorldMethods.Candidates;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frontier on the shipped model with the smallest N, and EAP's two ShapeWorld options. */
class ShapeWorldFrontierTest extends ShippedModel {
    private static final int IMAGES = 4;

    @Test
    void tinyFrontierHasItsPointsAndErasesMoreWithMoreIterations() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("square"))).only("original", "ESD")
                .imagesPerPrompt(IMAGES).sampling(10, 3).topK(1);
        FrontierResult r = b.frontier(Frontier.standard().iterations(2, 60).seeds(1).esrTargets(50));
        Table p = r.points();
        System.out.println(p.print() + "\n" + r.matched().print());
        assertEquals(List.of("method", "erase set", "seed", "iterations", "ESR-1", "PSR-1", "seconds"), p.columnNames());
        assertEquals(List.of("original", "ESD", "ESD"), p.stringColumn("method").asList());
        assertEquals(List.of(0, 2, 60), p.intColumn("iterations").asList());
        assertEquals(List.of(1L, 1L, 1L), p.longColumn("seed").asList());
        // monotone within noise: one image of the erased prompt moves ESR-1 by 100 / IMAGES points
        double allowance = 100.0 / IMAGES;
        double[] esr = p.doubleColumn("ESR-1").asDoubleArray();
        assertTrue(esr[2] >= esr[1] - allowance, "ESR-1 at 60 iterations " + esr[2] + " vs 2 iterations " + esr[1]);
        assertTrue(esr[2] >= esr[0] - allowance, "ESR-1 at 60 iterations " + esr[2] + " vs the original " + esr[0]);
        assertEquals(3, r.curves().rowCount());
        assertEquals(List.of("original", "ESD"), r.matched().stringColumn("method").asList());
        assertEquals(1, r.matched().intColumn("curves").get(1));
        // measured once (10 DDIM sampling steps, 4 images): ESR-1 0 → 0 → 100 %, PSR-1 100 → 100 → 75 %; the matched
        // value is read off whatever this run measured
        double[] psr = p.doubleColumn("PSR-1").asDoubleArray();
        double expected = FrontierResult.psrAt(new double[] {esr[1], esr[2]}, new double[] {psr[1], psr[2]}, 50);
        assertEquals(expected, r.matched().doubleColumn("PSR-1").get(1), 0.05, "rounded to 0.1");
    }

    @Test
    void frontierSettingsAreCheckedWhenSet() {
        assertThrows(IllegalArgumentException.class, () -> Frontier.standard().iterations(0, 10));
        assertThrows(IllegalArgumentException.class, () -> Frontier.standard().seeds(new long[0]));
        assertThrows(IllegalArgumentException.class, () -> Frontier.standard().esrTargets(101));
        Frontier f = Frontier.standard().iterations("EAP (corrected)", 100, 200);
        assertEquals(List.of(100, 200), f.iterationsOf("EAP (corrected)"));
        assertEquals(List.of(25, 50, 100), f.iterationsOf("ESD"));
    }

    @Test
    void thePiLearningRateReachesTheAdversaryForEveryCandidateSource() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("square")));
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        for (Candidates c : Candidates.values()) {
            Erasure e = ShapeWorldMethods.eap().candidates(c).piLearningRate(0.1).apply(b.base(set), set);
            assertEquals(0.1, ((Preserve.Adversarial) ((EsdFamily) e.method()).preserve()).learningRate(), c.toString());
        }
        assertEquals(1e-2, ((Preserve.Adversarial) ((EsdFamily) ShapeWorldMethods.eap().apply(b.base(set), set).method()).preserve()).learningRate(),
                "the official gumbel_lr by default");
        assertThrows(IllegalArgumentException.class, () -> ShapeWorldMethods.eap().piLearningRate(Double.NaN));
    }

    @Test
    void theLossSpaceReweightsBothLossesByTheSameFactorAndChangesTheWeights() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("square"))).iterationsPerConcept(1);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        try (ErasureResult x0 = ShapeWorldMethods.eap().apply(b.base(set), set).run();
             ErasureResult eps = ShapeWorldMethods.eap().lossSpace(Preserve.LossSpace.EPSILON).apply(b.base(set), set).run()) {
            AdversarialPreservation.Step a = x0.records(AdversarialPreservation.Step.class).get(0);
            AdversarialPreservation.Step e = eps.records(AdversarialPreservation.Step.class).get(0);
            assertEquals("model", a.phase());
            assertEquals(a.gridIndex(), e.gridIndex(), "same seed: same draws in the first iteration");
            // X(z, ε) is affine in ε with slope −√(1−a)/√a, so the x0-space MSE is (1−a)/a times the ε-space one,
            // a = ᾱ at grid step k of the bench's 20-step grid (the preservation loss is 0 at iteration 0: θ = θ*)
            double a0 = new GenLatent(sd.scheduler().alphasCumprod(), 20, Compat.OFFICIAL).alpha(a.gridIndex());
            double ratio = a.losses().get("erase") / e.losses().get("erase");
            assertEquals((1 - a0) / a0, ratio, 1e-4 * ratio, "x0 / ε erase loss at k = " + a.gridIndex());
            assertTrue(Math.abs(ratio - 1) > 1e-3, "the factor is not 1: " + ratio);
            assertTrue(maxDiff(x0.changedTensors(), eps.changedTensors()) > 0, "the trained weights differ");
        }
    }

    @Test
    void theCandidateSourceDecidesWhatEapPreserves() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("circle", "square", "triangle"))).iterationsPerConcept(1);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        Set<String> keptShapes = Set.of("ring", "diamond", "star", "cross", "heart");
        try (ErasureResult kept = ShapeWorldMethods.eap().compat(Compat.CORRECTED).candidates(Candidates.KEPT).apply(b.base(set), set).run();
             ErasureResult world = ShapeWorldMethods.eap().compat(Compat.CORRECTED).apply(b.base(set), set).run()) {
            assertEquals(3, kept.candidates().size(), "one candidate set per erased shape");
            for (var c : kept.candidates()) {
                assertEquals(3, c.size(), "K = 3: the largest multiple of 3 erased shapes within the 5 kept ones");
                assertTrue(keptShapes.containsAll(c.words()), c.toString());
            }
            List<String> worldWords = set.worldWords();
            for (var c : world.candidates()) {
                assertTrue(worldWords.containsAll(c.words()), c.toString());
                assertTrue(c.words().stream().noneMatch(set.erasedWords()::contains), "corrected: no target among " + c);
            }
            assertNotEquals(kept.candidates().stream().map(c -> c.words()).toList(), world.candidates().stream().map(c -> c.words()).toList());
            assertTrue(maxDiff(kept.changedTensors(), world.changedTensors()) > 0, "the trained weights differ");
        }
    }

    @Test
    void captionCandidatesAreTheWorldsPhrasesThatNameNoErasedWord() {
        ShapeWorldBench b = ShapeWorld.bench(sd, judge).eraseSets(List.of(List.of("circle", "square"))).iterationsPerConcept(1);
        ShapeWorldBench.EraseSet set = b.resolvedSets().get(0);
        try (ErasureResult captions = ShapeWorldMethods.eap().compat(Compat.CORRECTED).candidates(Candidates.CAPTIONS)
                .apply(b.base(set), set).run()) {
            assertEquals(2, captions.candidates().size(), "one candidate set per erased shape");
            for (var c : captions.candidates()) {
                assertEquals(4, c.size(), "K = 4 for two erased concepts");
                for (String phrase : c.words()) {
                    Mentions m = CaptionGrammar.parse(phrase); // throws if not a caption of the grammar
                    assertTrue(m.shape() == null || !set.erasedWords().contains(m.shape().word()), phrase);
                    for (String word : phrase.split(" ")) {
                        assertTrue(!set.erasedWords().contains(word), "names an erased word: " + phrase);
                    }
                    for (Worded named : java.util.Arrays.asList(m.shape(), m.colour(), m.style(), m.background())) {
                        if (named != null) assertTrue(set.worldWords().contains(named.word()), "not this world's word: " + phrase);
                    }
                }
            }
        }
    }

    private static double maxDiff(Map<String, NDArray> a, Map<String, NDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        double max = 0;
        for (String k : a.keySet()) max = Math.max(max, a.get(k).sub(b.get(k)).abs().max().getFloat());
        return max;
    }
}
