package dev.erasure;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.sd.Generation;
import dev.erasure.toy.Frontier;
import dev.erasure.toy.TrainConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

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

    @Test
    void stepsOfAFrontierAreItsIterations() {
        Frontier f = Frontier.standard().steps(3, 6).steps("EAP", 10, 20);
        assertEquals(Frontier.standard().iterations(3, 6).iterations("EAP", 10, 20), f);
        assertEquals(List.of(3, 6), f.steps());
        assertEquals(f.iterationsByMethod(), f.stepsByMethod());
        assertEquals(List.of(10, 20), f.stepsOf("EAP"));
        assertEquals(List.of(3, 6), f.stepsOf("ESD"));
    }

    @Test
    void stepsOfATrainingRunAreItsIterations() {
        TrainConfig c = TrainConfig.tiny(Path.of("out"), 30);
        assertEquals(30, c.iterations());
        assertEquals(30, c.steps());
        assertEquals(c.warmupIterations(), c.warmupSteps());
    }
}
