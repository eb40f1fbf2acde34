package dev.erasure;

import dev.erasure.core.Preserve;
import dev.erasure.core.PromptSet;
import dev.erasure.erase.AdvAnchor;
import dev.erasure.erase.AdvUnlearn;
import dev.erasure.erase.ConceptAblation;
import dev.erasure.erase.Uce;
import dev.erasure.eval.Sensitivity;
import dev.erasure.eval.UnlearnDiffAtk;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Sweep;
import dev.erasure.testing.Fixtures;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.ShapeWorldBench;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #14 item 7: every floating-point setting of every method and API entry refuses NaN, +∞ and
 * −∞ when it is set, with a message naming the setting; a finite value is accepted. A new setting
 * belongs in this list.
 */
class FiniteSettingsTest {
    static StableDiffusion sd;
    static ConceptClassifier judge;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
        judge = ConceptClassifier.load(Fixtures.repositoryRoot().resolve("models/shapeworld/classifier"), sd.manager());
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    static Stream<Arguments> settings() throws IOException {
        Path lines = Files.writeString(Files.createTempFile("prompts", ".txt"), "a cat\n");
        lines.toFile().deleteOnExit();
        PromptSet prompts = PromptSet.fromLines(lines);
        return Stream.of(
                setting("learningRate", v -> Erasure.of(sd).learningRate(v)),
                setting("startGuidance", v -> Erasure.of(sd).startGuidance(v)),
                setting("negativeGuidance", v -> Erasure.of(sd).negativeGuidance(v)),
                setting("adversarial learningRate", v -> Preserve.adversarial(2).learningRate(v)),
                setting("adversarial temperature", v -> Preserve.adversarial(2).temperature(v)),
                setting("continuous pgdLr", v -> Preserve.continuous().pgdLr(v)),
                setting("guidance", v -> Generation.of("a cat").guidance((float) v)),
                setting("preserveScale", v -> Uce.defaults().preserveScale(v)),
                setting("eraseScale", v -> Uce.defaults().eraseScale(v)),
                setting("lambda", v -> Uce.defaults().lambda(v)),
                setting("weightDecay", v -> ConceptAblation.defaults().weightDecay(v)),
                setting("maxGradNorm", v -> ConceptAblation.defaults().maxGradNorm(v)),
                setting("anchorGuidance", v -> ConceptAblation.defaults().anchorSampling(50, v)),
                setting("retainWeight", v -> AdvUnlearn.defaults().retainWeight(v)),
                setting("attackLearningRate", v -> AdvUnlearn.defaults().attackLearningRate(v)),
                setting("deltaLearningRate", v -> AdvAnchor.defaults().deltaLearningRate(v)),
                setting("preserveWeight", v -> AdvAnchor.defaults().preserveWeight(v)),
                setting("imageGuidance", v -> AdvAnchor.defaults().imageGuidance(v)),
                setting("deltaInitScale", v -> AdvAnchor.defaults().deltaInitScale(v)),
                setting("learningRate", v -> UnlearnDiffAtk.defaults().learningRate(v)),
                setting("weightDecay", v -> UnlearnDiffAtk.defaults().weightDecay(v)),
                setting("guidance", v -> Sensitivity.of(sd, sd).guidance(v)),
                setting("ShapeWorldBench learningRate", v -> ShapeWorldBench.of(sd, judge).learningRate(v)),
                setting("ShapeWorldBench sampling guidance", v -> ShapeWorldBench.of(sd, judge).sampling(20, v)),
                setting("sweep axis 'learningRate' value", v -> Sweep.over(Erasure.of(sd)).grid("learningRate", 1e-5, v)),
                setting("prompt guidance", v -> prompts.withGuidance((float) v)));
    }

    private static Arguments setting(String name, DoubleFunction<?> set) {
        return Arguments.of(name, set);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void nonFiniteValuesAreRefusedNamingTheSetting(String name, DoubleFunction<?> set) {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> set.apply(bad), name + " = " + bad);
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("finite"), e.getMessage());
        }
        assertDoesNotThrow(() -> set.apply(0.5), name + " = 0.5");
    }
}
