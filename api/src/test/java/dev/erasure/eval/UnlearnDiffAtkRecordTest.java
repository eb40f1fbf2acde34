package dev.erasure.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UnlearnDiffAtk's configuration record: bad values refused naming the option; arrays copied and compared by content. */
class UnlearnDiffAtkRecordTest {
    private static void refused(String option, Executable call) {
        String m = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(m.startsWith(option + " "), "message names " + option + ": " + m);
    }

    @Test
    void refusesBadValuesNamingTheOption() {
        refused("tokens", () -> UnlearnDiffAtk.objects().tokens(0));
        refused("learningRate", () -> UnlearnDiffAtk.objects().learningRate(0));
        refused("weightDecay", () -> UnlearnDiffAtk.objects().weightDecay(-1));
        refused("iterations", () -> UnlearnDiffAtk.objects().iterations(0));
        refused("timesteps", () -> UnlearnDiffAtk.objects().timesteps(new int[0]));
        refused("candidates", () -> UnlearnDiffAtk.objects().candidates(new long[0]));
        refused("samplingSteps", () -> UnlearnDiffAtk.objects().samplingSteps(0));
        refused("imageSize", () -> UnlearnDiffAtk.objects().imageSize(-8));
    }

    @Test
    void paperConfigurationsAndValueSemantics() {
        UnlearnDiffAtk o = UnlearnDiffAtk.objects();
        assertEquals(3, o.tokens());
        assertEquals(5, UnlearnDiffAtk.nudity().tokens());
        assertEquals(50, o.timesteps().length);
        assertEquals(990, o.timesteps()[49]);
        int[] t = {1, 2};
        UnlearnDiffAtk a = o.timesteps(t);
        t[0] = 99;
        assertArrayEquals(new int[] {1, 2}, a.timesteps(), "the record copies the array in");
        a.timesteps()[0] = 7;
        assertArrayEquals(new int[] {1, 2}, a.timesteps(), "and out");
        assertEquals(a, o.timesteps(1, 2), "arrays compare by content");
        assertEquals(a.hashCode(), o.timesteps(1, 2).hashCode());
        assertNotEquals(a, o);
    }
}
