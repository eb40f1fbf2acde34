package dev.erasure.sd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonParser;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIPTextModel outputs for golden tokenizer.input_ids: every text_encoder.* entry of golden.json. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClipTextParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private Golden golden;
    private NDManager manager;
    private ClipTextModel model;

    @BeforeAll
    void load() throws Exception {
        golden = new Golden(fixture());
        manager = NDManager.newBaseManager();
        Path dir = fixture().resolve("text_encoder");
        ClipTextConfig cfg = ClipTextConfig.fromJson(JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject());
        Path file = dir.resolve("model.safetensors");
        model = new ClipTextModel(cfg, new Weights(Safetensors.load(file, manager), file.toString()));
    }

    @AfterAll
    void close() {
        manager.close();
        golden.close();
    }

    @Test
    void goldenTextEncoderEntries() {
        ClipTextModel.Output out = model.forwardAll(golden.tensor("tokenizer.input_ids"));
        Map<String, NDArray> actual = Map.of(
                "text_encoder.last_hidden_state", out.lastHiddenState(),
                "text_encoder.hidden_states", NDArrays.stack(new NDList(out.hiddenStates()), 1),
                "text_encoder.pooler_output", out.pooled());
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            if (!name.startsWith("text_encoder.")) continue;
            NDArray a = actual.get(name);
            if (a == null && name.startsWith("text_encoder.hidden_states")) {
                a = ModelFixtures.selectPrompts(actual.get("text_encoder.hidden_states"), golden.entries().get(name), name);
            }
            if (a == null) throw new AssertionError("no output for golden entry " + name);
            golden.assertClose(name, a);
            System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name,
                    Golden.maxAbsDiff(a, golden.tensor(name)), golden.tolerance(name));
            compared++;
        }
        assertTrue(compared > 0, "golden.json has no text_encoder.* entries");
        golden.assertClose("text_encoder.last_hidden_state", model.forward(golden.tensor("tokenizer.input_ids")));
    }

    @Test
    void softPromptGradientFlows() {
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = m.create(new long[][] {{49406, 320, 1125, 49407, 49407}});
            NDArray emb = model.tokenEmbedding(ids).duplicate();
            emb.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.forwardEmbeddings(emb).sum());
            }
            float[] g = emb.getGradient().toFloatArray();
            double norm = 0;
            for (float v : g) {
                assertTrue(Float.isFinite(v), "gradient must be finite");
                norm += v * v;
            }
            assertTrue(norm > 0, "gradient of sum(last_hidden_state) w.r.t. token embeddings is zero");
        }
    }

    @Test
    void rejectsBadInput() {
        try (NDManager m = manager.newSubManager()) {
            assertThrows(IllegalArgumentException.class, () -> model.forward(m.create(new long[][] {{49406, 49408}})));
            assertThrows(IllegalArgumentException.class, () -> model.forward(m.zeros(new Shape(1, 78),
                    DataType.INT64)));
            assertEquals(77, model.config().maxPositionEmbeddings());
        }
    }
}
