package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The rule-based CompVis → diffusers conversion against the fixture's single-file-key-map.json:
 * driven by that JSON (every key, its component, diffusers name and transform) and by the
 * folder's config.json files, so another fixture of the same format is checked the same way.
 */
class SingleFileKeyMapTest {
    private static final String LINEAR_AS_CONV = "reshape [out,in] -> [out,in,1,1]";
    /** Config keys the model code reads; each must be produced and equal the folder's value. */
    private static final Map<String, List<String>> USED_KEYS = Map.of(
            "unet", List.of("block_out_channels", "layers_per_block", "attention_head_dim", "cross_attention_dim",
                    "down_block_types", "up_block_types", "in_channels", "out_channels", "use_linear_projection",
                    "norm_num_groups", "norm_eps", "flip_sin_to_cos", "freq_shift", "transformer_layers_per_block"),
            "vae", List.of("block_out_channels", "layers_per_block", "latent_channels", "scaling_factor",
                    "in_channels", "out_channels", "norm_num_groups", "down_block_types", "up_block_types"),
            "text_encoder", List.of("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                    "vocab_size", "max_position_embeddings", "hidden_act", "layer_norm_eps"),
            "scheduler", List.of("num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "steps_offset",
                    "set_alpha_to_one", "clip_sample", "prediction_type", "timestep_spacing"));

    static NDManager manager;
    static Path fixture;
    static ModelFolder folder;
    static SingleFileCheckpoint.Components converted;
    static Map<String, NDArray> singleFile;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        fixture = Fixtures.tinySd();
        folder = ModelFolder.open(fixture);
        Path file = fixture.resolve("tiny-sd-single-file.safetensors");
        // a single file does not record CLIP's head count, and 32 is not a multiple of 64: pass it (documented rule)
        int heads = folder.component("text_encoder").config().get("num_attention_heads").getAsInt();
        converted = SingleFileCheckpoint.load(file, manager,
                new SingleFileCheckpoint.Options(fixture.resolve("tiny-sd-v1-inference.yaml"), heads, null));
        singleFile = Safetensors.load(file, manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Map<String, NDArray> convertedComponent(String component) {
        switch (component) {
            case "unet": return converted.unet();
            case "vae": return converted.vae();
            case "text_encoder": return converted.text();
            default: throw new AssertionError("unknown component in the key map: " + component);
        }
    }

    @Test
    void everyKeyMapsToItsDiffusersNameAndTensorBitExactly() {
        JsonObject keyMap = ModelFolder.json(fixture.resolve("single-file-key-map.json"));
        Map<String, Map<String, NDArray>> folderWeights = new HashMap<>();
        Map<String, Integer> perComponent = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : keyMap.entrySet()) {
            String ldmKey = e.getKey();
            JsonObject m = e.getValue().getAsJsonObject();
            String component = m.get("component").getAsString();
            String diffusersKey = m.get("diffusers_key").getAsString();
            String transform = m.get("transform").getAsString();
            perComponent.merge(component, 1, Integer::sum);
            Map<String, NDArray> reference = folderWeights.computeIfAbsent(component,
                    c -> ModelFolder.loadWeights(folder.component(c), manager, null));
            NDArray expected = reference.get(diffusersKey);
            NDArray actual = convertedComponent(component).get(diffusersKey);
            assertNotNull(expected, diffusersKey + " not in the " + component + " folder");
            assertNotNull(actual, ldmKey + ": converter did not produce " + diffusersKey);
            assertBitEqual(expected, actual, ldmKey + " -> " + diffusersKey);
            // and the documented transform of the folder tensor gives the single-file tensor
            NDArray stored = singleFile.get(ldmKey);
            if ("none".equals(transform)) {
                assertBitEqual(stored, expected, ldmKey + " (transform none)");
            } else if (transform.startsWith(LINEAR_AS_CONV)) {
                Shape s = expected.getShape();
                assertEquals(2, s.dimension(), ldmKey);
                assertBitEqual(stored, expected.reshape(s.get(0), s.get(1), 1, 1), ldmKey + " (" + transform + ")");
            } else {
                fail(ldmKey + ": unknown transform '" + transform + "'");
            }
        }
        for (Map.Entry<String, Integer> e : perComponent.entrySet()) {
            assertEquals(e.getValue(), convertedComponent(e.getKey()).size(), "extra or missing keys in " + e.getKey());
            assertEquals(folderWeights.get(e.getKey()).keySet(), convertedComponent(e.getKey()).keySet(), e.getKey());
        }
    }

    @Test
    void producedConfigsEqualTheFolderConfigs() {
        Map<String, JsonObject> produced = Map.of("unet", converted.unetConfig(), "vae", converted.vaeConfig(),
                "text_encoder", converted.textConfig(), "scheduler", converted.schedulerConfig());
        for (Map.Entry<String, JsonObject> p : produced.entrySet()) {
            JsonObject reference = "scheduler".equals(p.getKey()) ? folder.schedulerConfig()
                    : folder.component(p.getKey()).config();
            for (String used : USED_KEYS.get(p.getKey())) {
                assertTrue(p.getValue().has(used), p.getKey() + " config lacks " + used);
            }
            // every key produced must agree with diffusers' own config, not only the ones listed
            for (Map.Entry<String, JsonElement> kv : p.getValue().entrySet()) {
                assertTrue(reference.has(kv.getKey()), p.getKey() + ": produced key " + kv.getKey() + " unknown to the folder");
                assertEquals(reference.get(kv.getKey()), kv.getValue(), p.getKey() + "." + kv.getKey());
            }
        }
    }

    static void assertBitEqual(NDArray expected, NDArray actual, String what) {
        assertEquals(expected.getDataType(), actual.getDataType(), what + " dtype");
        assertEquals(expected.getShape(), actual.getShape(), what + " shape");
        assertArrayEquals(expected.toByteArray(), actual.toByteArray(), what + " bytes");
    }
}
