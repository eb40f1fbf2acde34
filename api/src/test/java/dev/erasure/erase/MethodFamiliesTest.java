package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.Weights;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #13's matrix: every trainable method on every model family (the SD-1 fixture, the SD-2 v-prediction
 * fixture, the SDXL fixture; folders from their system properties): deterministic, resumed from a checkpoint
 * bit-identical to an uninterrupted run, only tensors of the {@code train(..)} subset change (at least one
 * does, with finite losses), the frozen UNet is bit-identical afterwards, and the erased model is nearer the
 * method's goal on held-out samples than the original ({@link #trainingMovesTheTargetTowardsTheMethodsGoalOnHeldOutSamples}).
 * AdvUnlearn is refused on SDXL ({@code SdxlTrainingTest}); UCE, a closed form, has its own tests.
 * One subclass per family ({@code MethodFamiliesSd1Test}, ...): Surefire hands whole classes to its forks, and the
 * matrix in one class was the test run's longest pole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MethodFamiliesTest {
    private final String family;

    MethodFamiliesTest(String family) {
        this.family = family;
    }

    /** A method's tiny run on one family: the method and its own options over the family's base erasure. */
    record Case(String family, String method, UnaryOperator<Erasure> setup, Objective objective) {
        @Override
        public String toString() {
            return method + " on " + family;
        }
    }

    /**
     * What a method trains the target prompt's prediction towards: ESD's ε∅ − η(ε_c − ε∅) (η = 1) or AdvAnchor's
     * anchor (δ = 0) as the original model predicts them, or Concept Ablation's anchor as the model being trained
     * predicts it ({@code byTrained}: its target is the current network, methods.md §4).
     */
    record Objective(String prompt, Function<Function<String, NDArray>, NDArray> goal, boolean byTrained, double learningRate) {
        static Objective esd(String target) {
            return new Objective(target, original -> original.apply("").mul(2).sub(original.apply(target)), false, 1e-5);
        }

        static Objective towards(String prompt, String anchor) {
            return new Objective(prompt, model -> model.apply(anchor), false, 1e-5);
        }

        /**
         * Concept Ablation's: at 1e-5 its 20 steps move the gap by under 4 % either way on these random-weight
         * models, so it is checked at 1e-3 (as {@code ConceptAblationTest} does), where it shrinks to 0.55–0.97 of it.
         */
        static Objective towardsItsOwn(String prompt, String anchor) {
            return new Objective(prompt, model -> model.apply(anchor), true, 1e-3);
        }
    }

    private static final String TARGET = "church";
    private static final List<String> WORDS = List.of("church", "tree", "house", "car", "dog", "cat");

    Stream<Arguments> cases() {
        List<Case> out = new ArrayList<>();
        Objective esd = Objective.esd(TARGET);
        out.add(new Case(family, "ESD", e -> esdFamily(e).preserve(Preserve.none()), esd));
        out.add(new Case(family, "ESD + fixed preservation", e -> esdFamily(e).preserve(Preserve.concepts("house")), esd));
        out.add(new Case(family, "EAP", e -> esdFamily(e).preserve(Preserve.adversarial(2).kClosest(4)), esd));
        // 10 ascent steps per iteration, not the default 100: the ascent is the same code either way, and at 100 these
        // three cases were 350 of the matrix's 454 s
        out.add(new Case(family, "EAP-PGD", e -> esdFamily(e).preserve(Preserve.continuous().pgdSteps(10)), esd));
        out.add(new Case(family, "ESD-u (non-cross-attention)", e -> esdFamily(e).preserve(Preserve.none()).train(Params.nonCrossAttention()), esd));
        out.add(new Case(family, "Concept Ablation",
                e -> e.method(Methods.conceptAblation().anchorPrompts(List.of("a painting of a house", "a painting of a tree"))
                        .anchorImages(2).anchorSampling(3, 6).batchSize(1)),
                Objective.towardsItsOwn("a painting of a house, in the style of " + TARGET, "a painting of a house")));
        // 51 images: θ steps = min(iterations, images). δ is held at ≈ 0 (Adam moves it by at most its lr, 1e-12, a
        // step), so the goal is exactly the δ = 0 anchor; δ's own training is AdvAnchorTest's. Compat.CORRECTED zeroes
        // θ's gradients each step: the official running sum (methods.md §9 item 19) does not bring the target nearer
        // its anchor in 20 steps on the tiny SD-1 and SD-2 (held-out 1.016× and 1.21×; SDXL 0.898×), the corrected
        // step does on all three (0.973×, 0.973×, 0.910×; README "Which models"). With the faulty oneDNN convolution of
        // README "Reliability" the official one had passed here by chance.
        AdvAnchor anchor = Methods.advAnchor().innerSteps(1).deltaLearningRate(1e-12);
        out.add(new Case(family, "AdvAnchor (corrected)", e -> e.ddimGrid(5).compat(Compat.CORRECTED).method(anchor),
                Objective.towards(anchor.conceptPrompt(TARGET), anchor.anchorPrompt(TARGET))));
        if (!family.equals("SDXL")) {
            out.add(new Case(family, "AdvUnlearn", e -> e.ddimGrid(5)
                    .method(Methods.advUnlearn().warmup(1).attackSteps(1).retain(List.of("a house")).retainBatch(1)), esd));
        }
        return out.stream().map(Arguments::of);
    }

    private static Erasure esdFamily(Erasure e) {
        return e.ddimGrid(5).vocabulary(Vocabulary.of(WORDS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void deterministicResumeExactAndOnlyTheTrainedSubsetChanges(Case c, @TempDir Path dir) throws Exception {
        try (Family f = Family.load(c.family())) {
            Weights unet = f.unetWeights();
            byte[] before = TinyModels.digest(unet.asMap());
            Erasure e = c.setup().apply(f.base());
            try (ErasureResult full = e.iterations(2).run(); ErasureResult again = e.iterations(2).run()) {
                assertTrue(TinyModels.sameTensors(full.changedTensors(), again.changedTensors()), c + ": same seed, same weights");
                assertEquals(full.history().print(), again.history().print(), c + ": same history");
                for (String col : full.history().columnNames()) {
                    if (!full.history().column(col).type().name().contains("DOUBLE")) continue;
                    for (double v : full.history().doubleColumn(col).asDoubleArray()) {
                        assertFalse(Double.isInfinite(v), c + ": " + col + " infinite");
                    }
                }
                Map<String, NDArray> trained = !full.changedTensors().isEmpty() ? full.changedTensors() : full.textEncoderTensors();
                assertFalse(trained.isEmpty(), c + ": nothing trained");
                Set<String> subset = Set.copyOf(!full.changedTensors().isEmpty() ? full.settings().params().select(unet.keys())
                        : trained.keySet());
                assertTrue(subset.containsAll(trained.keySet()), c + ": trained outside the subset: " + trained.keySet());
                Weights original = !full.changedTensors().isEmpty() ? unet : f.textEncoderWeights();
                boolean moved = trained.entrySet().stream().anyMatch(t -> !Arrays.equals(t.getValue().toType(
                        original.asMap().get(t.getKey()).getDataType(), false).toByteArray(), original.asMap().get(t.getKey()).toByteArray()));
                assertTrue(moved, c + ": no trained tensor moved");
                try (ErasureResult first = e.iterations(1).checkpointEvery(1, dir).run();
                     ErasureResult resumed = e.iterations(2).resume(dir).run()) {
                    assertEquals(1, first.stepsDone(), c.toString());
                    assertTrue(TinyModels.sameTensors(full.changedTensors(), resumed.changedTensors()), c + ": resume = uninterrupted");
                    assertTrue(TinyModels.sameTensors(full.textEncoderTensors(), resumed.textEncoderTensors()), c + ": resume (text encoder)");
                }
            }
            assertArrayEquals(before, TinyModels.digest(unet.asMap()), c + ": the frozen UNet changed");
        }
    }

    /**
     * Loss decreases, measured where it means something: on held-out samples (16 noised random latents at
     * random timesteps, none of them a training sample), the erased model's prediction for the method's target
     * prompt is nearer the method's goal ({@link Objective}) than the original's own prediction was, after 20
     * steps at lr 1e-5 (the papers' order; at 1e-4 the tiny v-prediction and non-cross-attention runs overshoot:
     * ESD-u's distance grows 1.4–5.8×), Concept Ablation's at 1e-3.
     * For AdvUnlearn the erased model is the trained text encoder in front of the frozen UNet.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void trainingMovesTheTargetTowardsTheMethodsGoalOnHeldOutSamples(Case c) throws Exception {
        try (Family f = Family.load(c.family()); ErasureResult r = c.setup().apply(f.base()).iterations(GOAL_STEPS)
                .learningRate(c.objective().learningRate()).run()) {
            ErasureModel original = f.erasureModel();
            ErasureModel erased = f.erased(r);
            int size = r.settings().latentSize();
            Random random = new Random(11);
            double before = 0;
            double after = 0;
            for (int i = 0; i < 16; i++) {
                try (NDScope scope = new NDScope()) {
                    int t = random.nextInt(original.alphasCumprod().length);
                    float a = original.alphasCumprod()[t];
                    NDArray x = gaussian(original, size, random).mul((float) Math.sqrt(a))
                            .add(gaussian(original, size, random).mul((float) Math.sqrt(1 - a)));
                    Objective o = c.objective();
                    NDArray goal = o.goal().apply(p -> predict(original, x, t, p, size));
                    NDArray goalAfter = o.byTrained() ? o.goal().apply(p -> predict(erased, x, t, p, size)) : goal;
                    before += meanSquare(predict(original, x, t, o.prompt(), size).sub(goal));
                    after += meanSquare(predict(erased, x, t, o.prompt(), size).sub(goalAfter));
                }
            }
            System.out.printf(Locale.ROOT, "%s: held-out distance to the goal %.6g → %.6g (%.3f×)%n", c, before, after, after / before);
            assertTrue(after < before, c + ": held-out distance to the method's goal " + before + " → " + after);
        }
    }

    private static final int GOAL_STEPS = 20;

    private static NDArray predict(ErasureModel m, NDArray x, int t, String prompt, int size) {
        return m.unet(m.unetWeights()).predict(x, t, m.condition(List.of(prompt), size));
    }

    private static NDArray gaussian(ErasureModel m, int size, Random random) {
        float[] v = new float[m.latentChannels() * size * size];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return m.manager().create(v, new Shape(1, m.latentChannels(), size, size));
    }

    private static double meanSquare(NDArray d) {
        return d.toType(DataType.FLOAT32, false).square().mean().getFloat();
    }

    /** One loaded fixture of a family and the tiny erasure every method starts from. */
    private record Family(AutoCloseable model, Erasure base, Weights unetWeights, Weights textEncoderWeights) implements AutoCloseable {
        ErasureModel erasureModel() {
            return model instanceof StableDiffusionXL xl ? new SdxlErasureModel(xl) : new SdErasureModel((StableDiffusion) model);
        }

        /** The erased pipeline as the engine sees it (trained UNet tensors, or AdvUnlearn's trained text encoder). */
        ErasureModel erased(ErasureResult r) {
            return model instanceof StableDiffusionXL ? new SdxlErasureModel(r.sdxlModel()) : new SdErasureModel(r.model());
        }

        static Family load(String name) {
            if (name.equals("SDXL")) {
                StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"));
                return new Family(xl, tiny(Erasure.of(xl)), xl.unet().weights(), null);
            }
            StableDiffusion sd = StableDiffusion.load(name.equals("SD-1") ? Fixtures.tinySd() : Fixtures.tinySd2());
            return new Family(sd, tiny(Erasure.of(sd)), sd.unet().weights(), sd.textEncoder().weights());
        }

        private static Erasure tiny(Erasure e) {
            return e.target(TARGET).latentSize(8).learningRate(1e-4).seed(7);
        }

        @Override
        public void close() throws Exception {
            model.close();
        }
    }
}
