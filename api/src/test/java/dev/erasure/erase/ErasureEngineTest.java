package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.Progress;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import dev.erasure.train.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Definition-of-done checks of the erasure engine on the tiny fixture: trained subset =
 * §0.3 filter, frozen tensors untouched, determinism, resume equivalence, cancellation,
 * validation, EAP's π/θ alternation. Small latents (8×8) and a 5-step DDIM grid (≤ 4 guided
 * evaluations per GenLatent) keep it at a few UNet calls per step.
 */
class ErasureEngineTest extends TinyModels {
    private static final List<String> WORDS = List.of("church", "tree", "house", "car", "dog", "cat", "river", "bridge",
            "person", "road", "tower", "ship", "bird", "music", "truck", "ball");

    private static Erasure tiny() {
        return Erasure.of(model).target("church").latentSize(8).ddimSteps(5).learningRate(1e-3).seed(7)
                .vocabulary(Vocabulary.of(WORDS));
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> tensors) {
        Map<String, float[]> out = new HashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertSameWeights(ErasureResult a, ErasureResult b) {
        assertEquals(a.changedTensors().keySet(), b.changedTensors().keySet());
        for (String k : a.changedTensors().keySet()) {
            assertArrayEquals(a.changedTensors().get(k).toFloatArray(), b.changedTensors().get(k).toFloatArray(), 0f, k);
        }
    }

    @Test
    void esdTrainsExactlyTheFilteredSubsetAndNeverTheFrozenTensors() throws Exception {
        byte[] before = digest(model.unetWeights().asMap());
        Set<String> keys = Safetensors.header(Fixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors")).byName().keySet();
        for (Params p : List.of(Params.crossAttention(), Params.nonCrossAttention())) {
            try (ErasureResult r = tiny().train(p).steps(1).run()) {
                List<String> want = p.select(keys);
                assertEquals(new TreeSet<>(want), new TreeSet<>(r.changedTensors().keySet()), p.name());
                long params = want.stream().mapToLong(k -> model.unetWeights().get(k).getShape().size()).sum();
                long trained = r.changedTensors().values().stream().mapToLong(a -> a.getShape().size()).sum();
                assertEquals(params, trained, p.name() + " parameter count");
                boolean anyMoved = false;
                for (String k : want) {
                    anyMoved |= !Arrays.equals(model.unetWeights().get(k).toFloatArray(),
                            r.changedTensors().get(k).toFloatArray());
                }
                assertTrue(anyMoved, p.name() + ": the trained copies moved");
                assertEquals(keys.size(), r.unetWeights().keys().size());
                assertEquals(1, r.history().rowCount());
            }
        }
        assertArrayEquals(before, digest(model.unetWeights().asMap()), "frozen UNet bit-identical after the runs");
    }

    @Test
    void sameSeedSameWeightsAndResumeEqualsUninterrupted(@TempDir Path dir) {
        Erasure eap = tiny().preserve(Preserve.adversarial(4).kClosest(12)).train(Params.crossAttention());
        try (ErasureResult full = eap.steps(2).run();
             ErasureResult again = eap.steps(2).run()) {
            assertSameWeights(full, again);
            try (ErasureResult half = eap.steps(1).checkpointEvery(1, dir).run()) {
                assertEquals(1, half.stepsDone());
                assertFalse(sameFirstTensor(full, half), "one step is not two");
            }
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> eap.learningRate(2e-3).steps(2).resume(dir).run());
            assertTrue(other.getMessage().contains("different configuration"), other.getMessage());
            try (ErasureResult resumed = eap.steps(2).resume(dir).run()) {
                assertSameWeights(full, resumed);
                assertEquals(full.history().rowCount(), resumed.history().rowCount());
                assertEquals(full.history().column("adversarial").asList(), resumed.history().column("adversarial").asList());
                assertEquals(full.history().column("pi").asList(), resumed.history().column("pi").asList());
            }
        }
        try (ErasureResult a = tiny().steps(1).run(); ErasureResult b = tiny().seed(8).steps(1).run()) {
            assertFalse(sameFirstTensor(a, b), "another seed, other weights");
        }
    }

    private static boolean sameFirstTensor(ErasureResult a, ErasureResult b) {
        String k = a.changedTensors().keySet().iterator().next();
        return Arrays.equals(a.changedTensors().get(k).toFloatArray(), b.changedTensors().get(k).toFloatArray());
    }

    @Test
    void eapAlternatesThetaAndPiOneToPMinusOne() {
        Erasure base = tiny().preserve(Preserve.adversarial(4).kClosest(12).pgdSteps(3));
        Settings settings = base.steps(2).settings();
        String key = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
        try (Session s = new Session(model, settings)) {
            AdversarialPreservation eap = new AdversarialPreservation(s, (EsdFamily) base.method());
            assertEquals(4, eap.candidates().get(0).size());
            for (int i = 0; i < 4; i++) {
                float[] theta = s.trainable().tensors().get(key).toFloatArray();
                float[] pi = eap.pi(0).toFloatArray();
                AdversarialPreservation.Step r = eap.iterate(i);
                boolean thetaMoved = !Arrays.equals(theta, s.trainable().tensors().get(key).toFloatArray());
                float[] piAfter = eap.pi(0).toFloatArray();
                if (i % 3 == 0) {
                    assertEquals("model", r.phase());
                    assertTrue(thetaMoved, "θ moves on model iteration " + i);
                    assertArrayEquals(pi, piAfter, 0f, "π's gradient is discarded on model iteration " + i);
                } else {
                    assertEquals("adversary", r.phase());
                    assertFalse(thetaMoved, "θ fixed on adversary iteration " + i);
                    float[] g = eap.lastAdversaryGradient();
                    double dot = 0;
                    double norm = 0;
                    for (int j = 0; j < g.length; j++) {
                        dot += (piAfter[j] - pi[j]) * -g[j]; // −g = ∂L_pres/∂π
                        norm += Math.abs(g[j]);
                    }
                    assertTrue(norm > 0, "π receives gradient on iteration " + i);
                    assertFalse(Arrays.equals(pi, piAfter), "π moves on iteration " + i);
                    // Adam's first step is −lr·sign(g): exactly an ascent step on L_pres; later steps carry momentum
                    if (i == 1) assertTrue(dot > 0, "π moves toward higher preservation loss");
                }
                assertTrue(WORDS.contains(r.adversarial()), r.adversarial());
            }
        }
    }

    /** Every method lowers the erasure objective (the ESD loss on fixed samples) in a short run. */
    @Test
    void everyMethodLowersTheErasureLoss() {
        TinyModels.assertEsdFamilyLowersHeldOutLoss(model, tiny().iterations(3), List.of(Preserve.none(), Preserve.neutral(),
                Preserve.concepts("person"), Preserve.adversarial(4).kClosest(12), Preserve.continuous().pgdSteps(2)));
    }

    @Test
    void multiConceptTargetsAreSplitOnTheSeparator() {
        Settings s = Erasure.of(model).target("Cassette Player, Church, Garbage Truck, Parachute, French Horn")
                .separator(",").settings();
        assertEquals(List.of("Cassette Player", "Church", "Garbage Truck", "Parachute", "French Horn"), s.targets());
        try (ErasureResult r = tiny().target("church, tree, house, car, dog").separator(",").steps(6).run()) {
            assertTrue(new TreeSet<>(r.history().stringColumn("target").asList()).size() > 1, "several targets sampled");
        }
    }

    /** #15: EAP's bar read 200/200 where the result said 100/100 steps; both count θ updates now. */
    @Test
    void eapProgressCountsThetaStepsLikeTheResult() {
        List<Progress> seen = new ArrayList<>();
        try (ErasureResult r = tiny().preserve(Preserve.adversarial(4).kClosest(12).pgdSteps(3)).steps(2)
                .onProgress(seen::add).run()) {
            assertEquals(2, r.stepsDone());
            assertEquals(2, seen.get(0).total(), "the bar counts θ steps, as the result does, not 2 × P = 6 loop iterations");
            assertEquals(r.stepsDone(), seen.get(seen.size() - 1).done());
            assertEquals(1 + 6, seen.size(), "every loop iteration still reports (and checks for cancellation)");
            assertTrue(r.toString().contains("2/2 iterations"), r.toString());
        }
    }

    @Test
    void cancellationReturnsThePartialResult() {
        AtomicBoolean once = new AtomicBoolean();
        try (ErasureResult r = tiny().steps(5).onProgress(p -> {
            if (p.done() == 3 && once.compareAndSet(false, true)) Cancellation.current().cancel();
        }).run()) {
            assertTrue(r.cancelled());
            assertEquals(3, r.stepsDone());
            assertEquals(3, r.history().rowCount());
        }
    }

    /** Erasure is a record: a value that is wrong whatever the model is refused by the wither itself, naming the option. */
    @Test
    void recordRefusesBadValuesNamingTheOption() {
        assertMessage("iterations must be > 0", () -> tiny().iterations(-3));
        assertMessage("learningRate must be a finite number", () -> tiny().learningRate(Double.NaN));
        assertMessage("ddimGrid must be ≥ 2", () -> tiny().ddimGrid(1));
        assertMessage("latentSize must be a positive multiple of 8", () -> tiny().latentSize(12));
        assertMessage("startGuidance must be a finite number", () -> tiny().startGuidance(Double.POSITIVE_INFINITY));
        assertMessage("negativeGuidance must be a finite number", () -> tiny().negativeGuidance(Double.NaN));
        assertMessage("checkpointEvery must be ≥ 0", () -> tiny().checkpointEvery(-1, Path.of("x")));
        assertMessage("checkpointEvery needs a folder", () -> tiny().checkpointEvery(5, null));
        Erasure base = tiny();
        assertEquals(base.steps(3), base.steps(3), "value semantics");
        assertTrue(tiny().toString().contains("ddimGrid=5"), "toString is derived: " + tiny());
    }

    @Test
    void badConfigurationIsRejectedBeforeAnyCompute() {
        assertMessage("empty target", () -> tiny().target(" ").settings());
        assertMessage("empty target", () -> Erasure.of(model).settings());
        assertMessage("iterations must be > 0", () -> tiny().steps(0).settings());
        assertMessage("selects none", () -> tiny().train(Params.matching("no_such_layer")).settings());
        assertMessage("candidate pool", () -> tiny().preserve(Preserve.adversarial(20)).settings());
        assertMessage("candidate pool", () -> tiny().preserve(Preserve.adversarial(10).kClosest(5)).settings());
        assertMessage("unknown word list", () -> tiny().vocabulary("EN4K").settings());
        assertMessage("divisible", () -> tiny().targets("church", "tree", "house").preserve(Preserve.adversarial(4)).settings());
        assertMessage("no checkpoint", () -> tiny().resume(Path.of("/nonexistent")).run());
    }

    @Test
    void saveWritesTheChangedTensorsUnderDiffusersNames(@TempDir Path dir) {
        try (ErasureResult r = tiny().steps(1).run(); NDManager m = NDManager.newBaseManager()) {
            r.save(dir.resolve("erased.safetensors"));
            Map<String, NDArray> back = Safetensors.load(dir.resolve("erased.safetensors"), m);
            assertEquals(r.changedTensors().keySet(), back.keySet());
            for (String k : back.keySet()) {
                assertArrayEquals(r.changedTensors().get(k).toFloatArray(), back.get(k).toFloatArray(), 0f, k);
            }
            r.saveFullUnet(dir.resolve("unet.safetensors"));
            assertEquals(model.unetWeights().keys().size(),
                    Safetensors.header(dir.resolve("unet.safetensors")).entries().size());
        }
    }

    @Test
    void correctedCompatDropsTheErasedConceptsFromTheCandidates() {
        // kClosest ≤ K: the closest words are the candidates directly (§2.1 step 4); "church" is at distance 0
        Erasure eap = tiny().targets("church", "Tree").preserve(Preserve.adversarial(4).kClosest(4)).steps(1);
        try (ErasureResult official = eap.run(); ErasureResult corrected = eap.compat(Compat.CORRECTED).run()) {
            assertTrue(official.candidates().get(0).words().contains("church"), official.candidates().get(0).words().toString());
            for (CandidateSet c : corrected.candidates()) {
                assertFalse(c.words().contains("church") || c.words().contains("tree"), "erased concepts kept: " + c.words());
                assertEquals(4, c.words().size());
            }
        }
    }
}
