package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Preserve;
import dev.erasure.progress.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** #11 one method concept: the ESD family is chosen through {@code Methods} like every other method. */
class MethodsTest extends TinyModels {
    private static Erasure base() {
        return Erasure.of(sd).target("church").latentSize(8).ddimGrid(2).learningRate(1e-3).seed(5).iterations(2);
    }

    /** The same configuration: the same validated settings and no other method. */
    private static void assertSame(Erasure expected, Erasure actual) {
        assertEquals(expected.settings().configuration(), actual.settings().configuration());
        assertEquals(expected.preserve(), actual.preserve());
        assertNull(actual.method());
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
        assertNull(e.method(), "the ESD family needs no other method");
        assertEquals(Preserve.none(), e.preserve());
        assertEquals(Preserve.none(), base().preserve(Preserve.adversarial(4)).method(Methods.esd()).preserve());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> base().method(Methods.eap(4)).method(Methods.uce()).settings());
        assertTrue(both.getMessage().contains("preserve(") && both.getMessage().contains("UCE"), both.getMessage());
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
                for (Map<String, NDArray> other : java.util.List.of(viaMethods.changedTensors(), direct.trained().tensors())) {
                    Map<String, NDArray> a = viaPreserve.changedTensors();
                    assertEquals(a.keySet(), other.keySet());
                    for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), other.get(k).toFloatArray(), k);
                }
            }
        }
    }
}
