package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.Weights;
import dev.erasure.train.Adam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdvUnlearn on the tiny fixture (8×8 latents, 5-step DDIM grid, 1 warm-up iteration, 2 attack steps):
 * only the filtered text-encoder tensors change, the UNet stays bit-identical, same seed gives
 * bit-identical weights, the saved Hugging Face folder loads back equal, and a resumed run equals an
 * uninterrupted one bit for bit.
 */
class AdvUnlearnTest extends TinyModels {
    private static final List<String> RETAIN = List.of("a photo of chair", "a photo of tree", "a photo of car");
    private static final TextEncoderParams FILTER = TextEncoderParams.layers(1).component(TextEncoderParams.Component.ATTN);
    private static ErasureResult first;
    private static ErasureResult second;

    /** Two identical runs (the machine is shared: every test reuses them); the base class loads the model first. */
    @BeforeAll
    static void runTwice() {
        first = tiny().run();
        second = tiny().run();
    }

    @AfterAll
    static void closeRuns() {
        first.close();
        second.close();
    }

    /** Iteration 0 is warm-up (clean prompt), iteration 1 attacks (1 step) then defends; 1 retain prompt. */
    private static Erasure tiny() {
        return Erasure.of(sd).target("church").latentSize(8).ddimSteps(2).learningRate(1e-3).seed(7).steps(2)
                .method(Methods.advUnlearn().train(FILTER).retain(RETAIN).retainBatch(1).warmup(1).attackSteps(1));
    }

    @Test
    void trainsOnlyTheSelectedTextEncoderTensors() {
        TextEncoderParams filter = FILTER;
        ErasureResult r = first;
        {
            assertFalse(r.cancelled());
            assertEquals(2, r.stepsDone());
            assertTrue(r.changedTensors().isEmpty(), "no UNet tensor is trained");
            Weights before = sd.textEncoder().weights();
            Set<String> expected = new TreeSet<>(filter.select(before.keys()));
            assertFalse(expected.isEmpty());
            assertEquals(expected, new TreeSet<>(r.textEncoderTensors().keySet()));
            StableDiffusion edited = r.model();
            Weights after = edited.textEncoder().weights();
            for (String k : before.keys()) {
                boolean same = Arrays.equals(before.get(k).toByteArray(), after.get(k).toByteArray());
                if (expected.contains(k)) {
                    assertFalse(same, "trained tensor unchanged: " + k);
                } else {
                    assertTrue(same, "frozen text-encoder tensor changed: " + k);
                }
            }
            Weights unet = edited.unet().weights();
            for (String k : sd.unet().weights().keys()) {
                assertArrayEquals(sd.unet().weights().get(k).toByteArray(), unet.get(k).toByteArray(), "UNet changed: " + k);
            }
            assertTrue(r.history().columnNames().contains("attack"), "attack loss recorded after warm-up");
            assertThrows(IllegalStateException.class, () -> r.save(Path.of("unused.safetensors")));
        }
    }

    /**
     * Warm-up 1, an attack every 2nd iteration continuing from the last prompt, 1 of 5 retain prompts per
     * iteration: a checkpoint after iteration 3 holds an adversarial prompt that iteration 3 reuses and
     * iteration 4 continues from, and a retain pass with 2 prompts left to draw.
     */
    private static Erasure resumable() {
        return tiny().method(Methods.advUnlearn().train(FILTER).warmup(1).attackSteps(1).attackEvery(2)
                .init(AdvUnlearn.Init.LATEST).retainBatch(1)
                .retain(List.of("a photo of chair", "a photo of tree", "a photo of car", "a photo of dog", "a photo of cup")));
    }

    @Test
    void threeStepsResumedForThreeMoreEqualSixStepsBitExactly(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full");
        Path resumed = dir.resolve("resumed");
        try (ErasureResult six = resumable().steps(6).checkpointEvery(6, full).run();
             ErasureResult three = resumable().steps(3).checkpointEvery(3, resumed).run()) {
            assertFalse(sameTensors(six, three), "three steps are not six");
            assertOnlyCompleteCheckpoints(resumed);
            try (ErasureResult rest = resumable().steps(6).checkpointEvery(3, resumed).resume(resumed).run()) {
                assertEquals(6, rest.stepsDone());
                assertTrue(sameTensors(six, rest), "3 + resume + 3 = 6 steps, every trained tensor bit for bit");
                assertEquals(six.history().column("loss").asList(), rest.history().column("loss").asList());
                assertSameCheckpoint(full, resumed); // Adam moments, prompt, retain pass, RNG too
                assertOnlyCompleteCheckpoints(resumed);
            }
        }
    }

    private static boolean sameTensors(ErasureResult a, ErasureResult b) {
        return sameTensors(a.textEncoderTensors(), b.textEncoderTensors());
    }

    @Test
    void resumeWithAnotherSettingIsRefusedNamingIt(@TempDir Path dir) {
        resumable().steps(1).checkpointEvery(1, dir).run().close();
        assertMessage("AdvUnlearn.attackSteps: 1 in the checkpoint, 2 in this run",
                () -> resumable().method(Methods.advUnlearn().train(FILTER).warmup(1).attackSteps(2).attackEvery(2)
                        .init(AdvUnlearn.Init.LATEST).retainBatch(1).retain(RETAIN)).steps(2).resume(dir).run());
        assertMessage("AdvUnlearn.retain", () -> tiny().steps(2).resume(dir).run());
        assertMessage("learningRate", () -> resumable().learningRate(2e-3).steps(2).resume(dir).run());
    }

    @Test
    void fullFilterIsEveryLayerAndTheFinalNormButNoEmbedding() {
        List<String> keys = TextEncoderParams.full().select(sd.textEncoder().weights().keys());
        assertTrue(keys.contains("text_model.final_layer_norm.weight"));
        assertTrue(keys.stream().noneMatch(k -> k.contains("embeddings")));
        assertEquals(sd.textEncoder().weights().keys().size() - 2, keys.size());
        assertTrue(TextEncoderParams.layers(1).test("text_model.encoder.layers.1.mlp.fc1.weight"));
        assertFalse(TextEncoderParams.layers(1).test("text_model.encoder.layers.10.mlp.fc1.weight"));
        assertFalse(TextEncoderParams.layers(1).component(TextEncoderParams.Component.FFN)
                .test("text_model.encoder.layers.1.self_attn.q_proj.weight"));
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndTheSavedFolderLoadsBack(@TempDir Path dir) throws Exception {
        ErasureResult a = first;
        ErasureResult b = second;
        {
            assertEquals(a.textEncoderTensors().keySet(), b.textEncoderTensors().keySet());
            for (String k : a.textEncoderTensors().keySet()) {
                assertArrayEquals(a.textEncoderTensors().get(k).toByteArray(), b.textEncoderTensors().get(k).toByteArray(), k);
            }
            Path folder = dir.resolve("text_encoder");
            a.saveTextEncoder(folder);
            assertTrue(Files.isRegularFile(folder.resolve("config.json")));
            try (NDManager m = NDManager.newBaseManager()) {
                ClipTextModel loaded = TextEncoderFolder.load(folder, m);
                ClipTextModel trained = a.model().textEncoder();
                assertEquals(trained.config(), loaded.config());
                assertEquals(trained.weights().keys(), loaded.weights().keys());
                for (String k : trained.weights().keys()) {
                    assertArrayEquals(trained.weights().get(k).toByteArray(), loaded.weights().get(k).toByteArray(), k);
                }
                NDArray ids = m.create(sd.tokenizer().encode(List.of("a church")));
                assertArrayEquals(trained.forward(ids).toFloatArray(), loaded.forward(ids).toFloatArray(), 0f);
            }
        }
    }
}
