package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.Weights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * bit-identical weights, and the saved Hugging Face folder loads back equal.
 */
class AdvUnlearnTest {
    private static StableDiffusion sd;
    private static final List<String> RETAIN = List.of("a photo of chair", "a photo of tree", "a photo of car");
    private static final TextEncoderParams FILTER = TextEncoderParams.layers(1).component(TextEncoderParams.Component.ATTN);
    private static ErasureResult first;
    private static ErasureResult second;

    /** Two identical runs (the machine is shared: every test reuses them). */
    @BeforeAll
    static void load() {
        sd = TinyModels.load();
        first = tiny().run();
        second = tiny().run();
    }

    @AfterAll
    static void close() {
        first.close();
        second.close();
        sd.close();
    }

    /** Iteration 0 is warm-up (clean prompt), iteration 1 attacks (1 step) then defends; 1 retain prompt. */
    private static Erasure tiny() {
        return Erasure.of(sd).target("church").latentSize(8).ddimSteps(2).learningRate(1e-3).seed(7).steps(2)
                .method(Methods.advUnlearn().textEncoder(FILTER).retain(RETAIN).retainBatch(1).warmup(1).attackSteps(1));
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
                boolean same = java.util.Arrays.equals(before.get(k).toByteArray(), after.get(k).toByteArray());
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
