package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.train.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AdvAnchor on the tiny fixture (8×8 latents, 2-step DDIM grid for the training images), resumed bit-exactly. */
class AdvAnchorTest extends TinyModels {

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
                Adam opt = new Adam(Map.of("delta", loop.delta()), 1e-2, s.manager());
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

    private static boolean sameTensors(ErasureResult a, ErasureResult b) {
        return sameTensors(a.changedTensors(), b.changedTensors());
    }

    /** Alternating, official gradients (running sums of θ's and δ's gradients carry across the checkpoint). */
    @Test
    void twoStepsResumedForTwoMoreEqualFourStepsBitExactly(@TempDir Path dir) throws Exception {
        AdvAnchor a = Methods.advAnchor().images(4).innerSteps(2).deltaLearningRate(1e-2);
        Path full = dir.resolve("full");
        Path resumed = dir.resolve("resumed");
        try (ErasureResult four = tiny(a).steps(4).checkpointEvery(4, full).run();
             ErasureResult two = tiny(a).steps(2).checkpointEvery(2, resumed).run()) {
            assertFalse(sameTensors(four, two), "two steps are not four");
            try (ErasureResult rest = tiny(a).steps(4).checkpointEvery(2, resumed).resume(resumed).run()) {
                assertEquals(4, rest.stepsDone());
                assertTrue(sameTensors(four, rest), "2 + resume + 2 = 4 steps, every trained tensor bit for bit");
                assertSameCheckpoint(full, resumed); // θ's Adam and gradients, δ and its gradient, RNG too
                assertOnlyCompleteCheckpoints(resumed);
            }
        }
    }

    /**
     * Sequential (official) and cyclical (corrected) schedules resumed from the checkpoint at the end of
     * (sequential) or inside (cyclical) the δ phase, whose length is the θ step count: the run is
     * resumed with the same steps, and other steps are refused.
     */
    @Test
    void phasedSchedulesResumeFromTheDeltaPhaseBitExactly(@TempDir Path dir) throws Exception {
        for (AdvAnchor.Schedule schedule : List.of(AdvAnchor.Schedule.SEQUENTIAL, AdvAnchor.Schedule.CYCLICAL)) {
            Erasure run = tiny(Methods.advAnchor().schedule(schedule).images(2).innerSteps(2).deltaLearningRate(1e-2))
                    .compat(schedule == AdvAnchor.Schedule.CYCLICAL ? Compat.CORRECTED : Compat.OFFICIAL).steps(2);
            Path full = dir.resolve(schedule + "-full");
            Path died = dir.resolve(schedule + "-died");
            int perStep = schedule == AdvAnchor.Schedule.SEQUENTIAL ? 2 : 3;
            try (ErasureResult whole = run.checkpointEvery(1, full).run()) {
                copyTree(full, died);
                rewind(died, perStep); // δ phase: 2 (sequential) or 4 (cyclical) iterations
                try (ErasureResult rest = run.checkpointEvery(1, died).resume(died).run()) {
                    assertTrue(sameTensors(whole, rest), schedule + ": resumed inside the δ phase, bit for bit");
                    assertSameCheckpoint(full, died);
                }
            }
            assertMessage("min(steps, AdvAnchor.images): 2 in the checkpoint, 3 in this run",
                    () -> run.method(Methods.advAnchor().schedule(schedule).images(3).innerSteps(2).deltaLearningRate(1e-2))
                            .steps(3).resume(died).run());
        }
    }

    @Test
    void resumeOfAnotherMethodOrScheduleIsRefusedNamingTheSetting(@TempDir Path dir) {
        tiny(Methods.advAnchor().images(2).innerSteps(1)).steps(1).checkpointEvery(1, dir).run().close();
        assertMessage("AdvAnchor.schedule: ALTERNATING in the checkpoint, CYCLICAL in this run",
                () -> tiny(Methods.advAnchor().schedule(AdvAnchor.Schedule.CYCLICAL).images(2).innerSteps(1)).resume(dir).run());
        assertMessage("method: AdvAnchor in the checkpoint, (not set) in this run",
                () -> Erasure.of(sd).target("Van Gogh").latentSize(8).ddimSteps(2).learningRate(1e-3).seed(3)
                        .train(Params.crossAttention()).resume(dir).run());
    }

    @Test
    void promptTemplatesChooseTheAnchorAndAreValidated() {
        AdvAnchor objects = Methods.advAnchor().prompts("a photo of {}", "{}", "a photo").images(1).innerSteps(1);
        assertEquals("a photo of Van Gogh", objects.conceptPrompt("Van Gogh"));
        assertEquals("Van Gogh's painting", Methods.advAnchor().anchorPrompt("Van Gogh"), "the official style default");
        try (ErasureResult custom = tiny(objects).steps(1).run();
             ErasureResult style = tiny(Methods.advAnchor().images(1).innerSteps(1)).steps(1).run()) {
            assertEquals("Van Gogh + δ", custom.records(AdvAnchor.Step.class).get(0).anchor());
            assertFalse(sameTensors(custom.changedTensors(), style.changedTensors()), "other prompts, other update");
        }
        assertMessage("anchorTemplate must start with {}", () -> Methods.advAnchor().prompts("{}", "the {}", "x"));
        assertMessage("conceptTemplate must contain {}", () -> Methods.advAnchor().prompts("painting", "{}", "x"));
    }

    @Test
    void rejectsSeveralTargets() {
        assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(sd).targets("a", "b").latentSize(8).method(Methods.advAnchor()).run());
    }
}
