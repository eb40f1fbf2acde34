package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.progress.ProgressListener;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** #11 one method concept: the ESD family is chosen through {@code Methods} like every other method. */
class MethodsTest extends TinyModels {
    private static Erasure base() {
        return Erasure.of(sd).target("church").latentSize(8).ddimGrid(2).learningRate(1e-3).seed(5).iterations(2);
    }

    /** The same configuration: the same validated settings and the same method with the same options. */
    private static void assertSame(Erasure expected, Erasure actual) {
        assertEquals(expected.settings().configuration(), actual.settings().configuration());
        assertEquals(expected.method(), actual.method());
        assertTrue(actual.method() instanceof EsdFamily, actual.method().name());
    }

    @Test
    void methodsEapIsPreserveAdversarial() {
        assertSame(base().preserve(Preserve.adversarial(4)), base().method(Methods.eap(4)));
        assertSame(base().preserve(Preserve.none()), base().method(Methods.esd()));
        assertSame(base().preserve(Preserve.neutral()), base().method(Methods.esd().preserve(Preserve.neutral())));
        assertEquals("EAP", Methods.eap(4).name());
        assertEquals("ESD", Methods.esd().name());
        assertEquals("ESD+preserve", Methods.esd().preserve(Preserve.concepts("tree")).name());
        assertEquals("EAP-PGD", Methods.esd().preserve(Preserve.continuous()).name());
    }

    @Test
    void theLastMethodChosenWins() {
        Erasure e = base().method(Methods.uce()).method(Methods.esd());
        assertEquals(Methods.esd(), e.method());
        assertEquals(Methods.esd(), base().preserve(Preserve.adversarial(4)).method(Methods.esd()).method());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> base().method(Methods.eap(4)).method(Methods.uce()));
        assertTrue(both.getMessage().contains("preserve(") && both.getMessage().contains("UCE"), both.getMessage());
        IllegalArgumentException after = assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(sd).target("church").method(Methods.uce()).preserve(Preserve.neutral()));
        assertTrue(after.getMessage().contains("preserve(") && after.getMessage().contains("UCE"), after.getMessage());
        assertThrows(NullPointerException.class, () -> Methods.esd().preserve(null));
    }

    @Test
    void theMethodRunDirectlyTrainsWhatPreserveNoneTrains() throws Exception {
        try (ErasureResult viaPreserve = base().preserve(Preserve.none()).run();
             ErasureResult viaMethods = base().method(Methods.esd()).run()) {
            Outcome direct = Methods.esd().run(viaPreserve.erasureModel(), viaPreserve.settings(), ProgressListener.NONE, null);
            try (AutoCloseable owner = direct.owner()) {
                assertEquals("ESD", direct.method());
                assertEquals(2, direct.stepsDone());
                for (Map<String, NDArray> other : List.of(viaMethods.changedTensors(), direct.trained().tensors())) {
                    Map<String, NDArray> a = viaPreserve.changedTensors();
                    assertEquals(a.keySet(), other.keySet());
                    for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), other.get(k).toFloatArray(), k);
                }
            }
        }
    }

    /** Every common option, set as a user would. */
    private static Map<Method.Option, UnaryOperator<Erasure>> everyOption() {
        Map<Method.Option, UnaryOperator<Erasure>> set = new EnumMap<>(Method.Option.class);
        set.put(Method.Option.TRAIN, e -> e.train(Params.full()));
        set.put(Method.Option.ITERATIONS, e -> e.iterations(2));
        set.put(Method.Option.LEARNING_RATE, e -> e.learningRate(1e-3));
        set.put(Method.Option.SEED, e -> e.seed(3));
        set.put(Method.Option.DDIM_GRID, e -> e.ddimGrid(2));
        set.put(Method.Option.LATENT_SIZE, e -> e.latentSize(8));
        set.put(Method.Option.START_GUIDANCE, e -> e.startGuidance(2));
        set.put(Method.Option.NEGATIVE_GUIDANCE, e -> e.negativeGuidance(2));
        set.put(Method.Option.COMPAT, e -> e.compat(Compat.CORRECTED));
        set.put(Method.Option.CHECKPOINTS, e -> e.checkpointEvery(1, Path.of("checkpoints")));
        return set;
    }

    @Test
    void anOptionTheMethodDoesNotReadIsRefusedNamingBoth() {
        Map<Method.Option, UnaryOperator<Erasure>> options = everyOption();
        assertEquals(EnumSet.allOf(Method.Option.class), options.keySet(), "every option is set by this test");
        int refused = 0;
        for (Method m : List.of(Methods.esd(), Methods.uce(), Methods.conceptAblation(), Methods.advUnlearn(), Methods.advAnchor())) {
            for (Map.Entry<Method.Option, UnaryOperator<Erasure>> o : options.entrySet()) {
                Erasure e = o.getValue().apply(Erasure.of(sd).target("church").method(m));
                if (m.options().contains(o.getKey())) {
                    assertDoesNotThrow(e::settings, m.name() + " reads " + o.getKey());
                } else {
                    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e::settings, m.name() + " " + o.getKey());
                    assertTrue(x.getMessage().startsWith(o.getKey().wither() + "(..) is not used by " + m.name()), x.getMessage());
                    refused++;
                }
            }
        }
        // UCE reads none of the 10, CA 5 of them, AdvUnlearn all but train, AdvAnchor all but the two guidances
        assertEquals(10 + 5 + 1 + 2, refused);
    }

    @Test
    void eachMethodRecordsItsOwnHistoryAndTheTableFollowsTheRecord() {
        try (ErasureResult esd = base().run();
             ErasureResult eap = base().vocabulary(Vocabulary.of(List.of("tree", "house", "car", "dog", "cat")))
                     .preserve(Preserve.adversarial(2).kClosest(4)).run()) {
            assertEquals(List.of("iteration", "step", "target", "gridIndex", "t", "loss", "erase"), esd.history().columnNames());
            assertEquals(Esd.Step.class, esd.records().get(0).getClass());
            List<AdversarialPreservation.Step> steps = eap.records(AdversarialPreservation.Step.class);
            assertEquals(4, steps.size(), "P = 2 loop iterations per θ update");
            assertEquals(List.of(true, false, true, false), steps.stream().map(StepRecord::updatesModel).toList());
            assertEquals(List.of("iteration", "step", "phase", "target", "gridIndex", "t", "loss", "erase", "preserve", "adversarial",
                    "pi_max", "pi", "piEntropy"), eap.history().columnNames());
            for (AdversarialPreservation.Step st : steps) {
                double h = 0;
                for (double p : st.pi()) h -= p > 0 ? p * Math.log(p) : 0;
                assertEquals(h, st.piEntropy(), 1e-12, "π entropy in nats");
                assertTrue(st.piEntropy() <= Math.log(st.pi().length) + 1e-9, "at most ln K");
            }
            assertEquals(steps.get(3).adversarial(), eap.history().stringColumn("adversarial").get(3));
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> esd.records(AdversarialPreservation.Step.class));
            assertTrue(wrong.getMessage().contains("ESD records"), wrong.getMessage());
        }
    }
}
