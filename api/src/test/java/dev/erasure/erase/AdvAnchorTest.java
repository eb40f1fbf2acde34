package dev.erasure.erase;

import dev.erasure.Compat;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AdvAnchor on the tiny fixture (8×8 latents, 2-step DDIM grid for the training images). */
class AdvAnchorTest {
    private static StableDiffusion sd;

    @BeforeAll
    static void load() {
        sd = TinyModels.load();
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    private static Erasure tiny(AdvAnchor a) {
        return Erasure.of(sd).target("Van Gogh").latentSize(8).ddimSteps(2).learningRate(1e-3).seed(3).method(a);
    }

    @Test
    void deltaStepLowersTheAdversarialLoss() {
        for (AdvAnchor.Loss kind : AdvAnchor.Loss.values()) {
            Settings settings = tiny(Methods.advAnchor()).compat(Compat.CORRECTED).steps(1).settings();
            try (Session s = new Session(new SdErasureModel(sd), settings)) {
                AdvAnchorLoop loop = new AdvAnchorLoop(s, Methods.advAnchor().loss(kind).deltaLearningRate(1e-2));
                AdvAnchorLoop.Sample x = loop.sample(0);
                double before = loop.adversarialLoss(x).getFloat();
                Adam opt = new Adam(java.util.Map.of("delta", loop.delta()), 1e-2, s.manager());
                assertEquals(before, loop.deltaStep(x, opt, false), 1e-6);
                double after = loop.adversarialLoss(x).getFloat();
                assertTrue(after < before, kind + ": loss " + before + " → " + after + " after a δ step");
                assertEquals(2, loop.delta().getShape().get(1), "δ covers the 2 words of 'Van Gogh'");
            }
        }
    }

    @Test
    void schedulesRunAndTrainOnlyTheUNetSubset() {
        for (AdvAnchor.Schedule schedule : AdvAnchor.Schedule.values()) {
            AdvAnchor a = Methods.advAnchor().schedule(schedule).images(2).innerSteps(2);
            try (ErasureResult r = tiny(a).steps(1000).run()) {
                assertEquals(2, r.stepsDone(), schedule + ": θ steps = min(steps, images)");
                int perStep = switch (schedule) {
                    case ALTERNATING -> 1;
                    case SEQUENTIAL -> 2;
                    case CYCLICAL -> 3;
                };
                assertEquals(2 * perStep, r.records().size(), schedule.toString());
                assertFalse(r.changedTensors().isEmpty());
                assertTrue(r.changedTensors().keySet().stream().allMatch(k -> k.contains("attn2")));
                assertTrue(r.textEncoderTensors().isEmpty());
            }
        }
    }

    @Test
    void rejectsSeveralTargets() {
        assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(sd).targets("a", "b").latentSize(8).method(Methods.advAnchor()).run());
    }
}
