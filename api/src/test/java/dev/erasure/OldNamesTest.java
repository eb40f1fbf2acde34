package dev.erasure;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.sd.Generation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * "steps" meant several things (issue #11): the published names it was part of still work, as
 * deprecated aliases that set and read the renamed setting (samplingSteps: denoising steps of a
 * generation; iterations: θ updates of a training run).
 */
@SuppressWarnings("deprecation")
class OldNamesTest {
    @Test
    void stepsOfAGenerationAreItsSamplingSteps() {
        Generation g = Generation.of("a cat").steps(7);
        assertEquals(7, g.samplingSteps());
        assertEquals(7, g.steps());
        assertEquals(Generation.of("a cat").samplingSteps(7), g);
    }

    @Test
    void stepsOfAProtocolAreItsSamplingSteps() {
        Protocol p = Protocol.of(PromptSet.imagenette());
        assertEquals(Protocol.DEFAULT_SAMPLING_STEPS, p.samplingSteps());
        assertEquals(Protocol.DEFAULT_SAMPLING_STEPS, Protocol.DEFAULT_STEPS);
        assertEquals(9, p.steps(9).samplingSteps());
    }
}
