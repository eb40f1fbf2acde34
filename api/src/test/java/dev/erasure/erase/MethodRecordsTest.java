package dev.erasure.erase;

import dev.erasure.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The method configurations are records with withers: a bad value is refused when the wither is
 * called (not at run time), with a message naming the option; withers change one component only.
 */
class MethodRecordsTest {
    static void refused(String field, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(field + " "), "message names " + field + ": " + e.getMessage());
    }

    @Test
    void advUnlearnRefusesBadValuesNamingTheOption() {
        refused("retainBatch", () -> Methods.advUnlearn().retainBatch(-1));
        refused("retainWeight", () -> Methods.advUnlearn().retainWeight(Double.NaN));
        refused("warmup", () -> Methods.advUnlearn().warmup(-1));
        refused("attackEvery", () -> Methods.advUnlearn().attackEvery(0));
        refused("adversarialTokens", () -> Methods.advUnlearn().adversarialTokens(76));
        refused("attackSteps", () -> Methods.advUnlearn().attackSteps(0));
        refused("attackLearningRate", () -> Methods.advUnlearn().attackLearningRate(0));
        assertThrows(NullPointerException.class, () -> Methods.advUnlearn().init(null));
    }

    @Test
    void advUnlearnWithersChangeOneComponent() {
        AdvUnlearn d = AdvUnlearn.readme();
        AdvUnlearn w = d.warmup(3);
        assertEquals(3, w.warmup());
        assertEquals(d, w.warmup(d.warmup()), "records compare by value");
        assertEquals(d.attackSteps(), w.attackSteps());
        assertEquals(30, d.attackSteps());
        assertTrue(d.toString().contains("attackSteps=30"), "toString is derived: " + d);
    }

    @Test
    void advAnchorRefusesBadValuesNamingTheOption() {
        refused("deltaLearningRate", () -> Methods.advAnchor().deltaLearningRate(-1));
        refused("images", () -> Methods.advAnchor().images(0));
        refused("innerSteps", () -> Methods.advAnchor().innerSteps(0));
        refused("preserveWeight", () -> Methods.advAnchor().preserveWeight(-0.5));
        refused("imageGuidance", () -> Methods.advAnchor().imageGuidance(Double.POSITIVE_INFINITY));
        refused("conceptTemplate", () -> Methods.advAnchor().prompts("x", "{}", "y"));
        refused("anchorTemplate", () -> Methods.advAnchor().prompts("{}", "a {}", "y"));
        assertEquals(51, AdvAnchor.readme().images());
        assertEquals(AdvAnchor.readme(), Methods.advAnchor());
    }

    @Test
    void uceRefusesBadValuesNamingTheOption() {
        refused("lambda", () -> Methods.uce().lambda(0));
        refused("eraseScale", () -> Methods.uce().eraseScale(-1));
        refused("preserveScale", () -> Methods.uce().preserveScale(Double.NaN));
        refused("guides", () -> Methods.uce().guides(new String[0]));
        assertEquals(Uce.eapBaseline(), Methods.uce());
        assertEquals(0.5, Methods.uce().lambda());
    }

    @Test
    void conceptAblationRefusesBadValuesNamingTheOption() {
        refused("anchorImages", () -> Methods.conceptAblation().anchorImages(0));
        refused("anchorSteps", () -> Methods.conceptAblation().anchorSampling(1, 6));
        refused("batchSize", () -> Methods.conceptAblation().batchSize(0));
        refused("weightDecay", () -> Methods.conceptAblation().weightDecay(-1));
        refused("maxGradNorm", () -> Methods.conceptAblation().maxGradNorm(Double.NaN));
        refused("anchorPrompts", () -> Methods.conceptAblation().anchorPrompts(List.of()));
        assertTrue(Methods.conceptAblation().noiseBased().noiseTarget());
        assertEquals("CA-noise", Methods.conceptAblation().noiseBased().name());
    }
}
