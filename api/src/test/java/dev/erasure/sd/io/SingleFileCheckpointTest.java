package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.erasure.sd.io.SingleFileKeyMapTest.assertBitEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading variants of single files, the reverse mapping, and the yaml → config rules for SD-1 and SD-2. */
class SingleFileCheckpointTest {
    @TempDir
    Path tmp;
    NDManager manager;
    Path fixture;
    Path file;
    Path yaml;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        fixture = Fixtures.tinySd();
        file = fixture.resolve("tiny-sd-single-file.safetensors");
        yaml = fixture.resolve("tiny-sd-v1-inference.yaml");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    SingleFileCheckpoint.Options tiny() {
        return new SingleFileCheckpoint.Options(yaml, 4, null); // 4: the fixture CLIP's heads (hidden 32, see README)
    }

    @Test
    void reverseMappingRoundTripsTheFileBitExactly() {
        SingleFileCheckpoint.Components c = SingleFileCheckpoint.load(file, manager, tiny());
        Map<String, NDArray> original = Safetensors.load(file, manager);
        Path out = tmp.resolve("again.safetensors");
        SingleFileCheckpoint.save(out, c);
        Map<String, NDArray> written = Safetensors.load(out, manager);
        assertEquals(original.keySet(), written.keySet());
        for (String k : original.keySet()) assertBitEqual(original.get(k), written.get(k), k);
    }

    @Test
    void extraKeysOfRealDownloadsAreIgnored() {
        Map<String, NDArray> withExtras = new LinkedHashMap<>(Safetensors.load(file, manager));
        NDArray ones = manager.ones(new Shape(1000));
        for (String k : new String[] {"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                "posterior_variance", "log_one_minus_alphas_cumprod", "model_ema.decay", "model_ema.num_updates",
                "model_ema.diffusion_modelinput_blocks00weight"}) {
            withExtras.put(k, ones);
        }
        withExtras.put(SingleFileCheckpoint.TEXT_PREFIX + "text_model.embeddings.position_ids",
                manager.arange(77L).reshape(1, 77));
        Path dir = tmp.resolve("download");
        Path copy = dir.resolve("model.safetensors");
        Safetensors.save(copy, withExtras, null);
        SingleFileCheckpoint.Components a = SingleFileCheckpoint.load(copy, manager, tiny());
        SingleFileCheckpoint.Components b = SingleFileCheckpoint.load(file, manager, tiny());
        assertEquals(b.unet().keySet(), a.unet().keySet());
        assertEquals(b.vae().keySet(), a.vae().keySet());
        assertEquals(b.text().keySet(), a.text().keySet());
    }

    @Test
    void yamlFoundBesideTheFileOrBundledAndCheckedAgainstShapes() throws IOException {
        // the fixture folder holds exactly one yaml, so no option is needed apart from the heads
        SingleFileCheckpoint.Components c = SingleFileCheckpoint.load(file, manager,
                new SingleFileCheckpoint.Options(null, 4, null));
        assertEquals(32, c.unetConfig().get("cross_attention_dim").getAsInt());
        // alone in a folder, the bundled SD-1 config is used, and it does not fit the tiny weights
        Path alone = Files.createDirectories(tmp.resolve("alone")).resolve("tiny.safetensors");
        Files.copy(file, alone);
        WeightException e = assertThrows(WeightException.class,
                () -> SingleFileCheckpoint.load(alone, manager, new SingleFileCheckpoint.Options(null, 4, null)));
        assertTrue(e.getMessage().contains(alone.toString()) && e.getMessage().contains("bundled v1-inference.yaml")
                && e.getMessage().contains("conv_in.weight") && e.getMessage().contains("Options.yaml"), e.getMessage());
        // <name>.yaml beside it is the A1111 convention
        Files.copy(yaml, alone.resolveSibling("tiny.yaml"));
        assertEquals(4, SingleFileCheckpoint.load(alone, manager, new SingleFileCheckpoint.Options(null, 4, null))
                .textConfig().get("num_attention_heads").getAsInt());
    }

    @Test
    void textHeadsNeedAnOverrideBelowCLIPsHeadWidth() {
        WeightException e = assertThrows(WeightException.class, () -> SingleFileCheckpoint.load(file, manager,
                new SingleFileCheckpoint.Options(yaml, null, null)));
        assertTrue(e.getMessage().contains("hidden size 32") && e.getMessage().contains("textHeads"), e.getMessage());
        assertThrows(WeightException.class, () -> SingleFileCheckpoint.load(file, manager,
                new SingleFileCheckpoint.Options(yaml, 3, null)));
    }

    @Test
    void pickleCheckpointsAreRefusedWithConversionAdvice() throws IOException {
        for (String name : new String[] {"model.ckpt", "model.pt", "pytorch_model.bin"}) {
            Path p = Files.write(tmp.resolve(name), new byte[] {(byte) 0x80, 2});
            WeightException e = assertThrows(WeightException.class, () -> SingleFileCheckpoint.load(p, manager));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("save_file")
                    && e.getMessage().contains("convert_original_stable_diffusion_to_diffusers.py"), e.getMessage());
        }
    }

    @Test
    void aDiffusersComponentFileIsNotASingleFile() {
        Path unet = fixture.resolve("unet/diffusion_pytorch_model.safetensors");
        WeightException e = assertThrows(WeightException.class, () -> SingleFileCheckpoint.load(unet, manager, tiny()));
        assertTrue(e.getMessage().contains("not a Stable Diffusion single-file checkpoint"), e.getMessage());
    }

    @Test
    void bundledV1ConfigIsStableDiffusion1() {
        LdmConfig v1 = LdmConfig.bundledV1();
        JsonObject unet = v1.unetConfig();
        assertEquals(json("[320,640,1280,1280]"), unet.get("block_out_channels"));
        assertEquals(8, unet.get("attention_head_dim").getAsInt());
        assertEquals(768, unet.get("cross_attention_dim").getAsInt());
        assertEquals(64, unet.get("sample_size").getAsInt());
        assertEquals(json("[\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"DownBlock2D\"]"),
                unet.get("down_block_types"));
        assertEquals(json("[\"UpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\"]"),
                unet.get("up_block_types"));
        JsonObject vae = v1.vaeConfig();
        assertEquals(json("[128,256,512,512]"), vae.get("block_out_channels"));
        assertEquals(512, vae.get("sample_size").getAsInt());
        assertEquals(0.18215, vae.get("scaling_factor").getAsDouble());
        JsonObject s = v1.schedulerConfig();
        assertEquals("epsilon", s.get("prediction_type").getAsString());
        assertEquals(0.00085, s.get("beta_start").getAsDouble());
        assertEquals(1, s.get("steps_offset").getAsInt());
    }

    @Test
    void sd2YamlGivesLinearProjectionPerLevelHeadsAndVPrediction() throws IOException {
        String sd2 = new String(LdmConfig.class.getResourceAsStream(LdmConfig.BUNDLED_V1).readAllBytes(), StandardCharsets.UTF_8)
                .replace("    use_ema: False", "    use_ema: False\n    parameterization: \"v\"")
                .replace("num_heads: 8", "num_head_channels: 64\n        use_linear_in_transformer: True")
                .replace("context_dim: 768", "context_dim: 1024")
                .replace("attention_resolutions: [ 4, 2, 1 ]", "attention_resolutions: [ 4, 2, 1 ]\n        transformer_depth: 1");
        Path p = Files.writeString(tmp.resolve("v2-inference-v.yaml"), sd2);
        LdmConfig v2 = LdmConfig.read(p);
        JsonObject unet = v2.unetConfig();
        assertEquals(json("[5,10,20,20]"), unet.get("attention_head_dim"));
        assertTrue(unet.get("use_linear_projection").getAsBoolean());
        assertEquals(1024, unet.get("cross_attention_dim").getAsInt());
        assertEquals("v_prediction", v2.schedulerConfig().get("prediction_type").getAsString());
    }

    @Test
    void badYamlNamesTheFile() throws IOException {
        Path broken = Files.writeString(tmp.resolve("broken.yaml"), "model: [unclosed");
        WeightException e = assertThrows(WeightException.class, () -> LdmConfig.read(broken));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
        Path noUnet = Files.writeString(tmp.resolve("nounet.yaml"), "model:\n  params:\n    timesteps: 1000\n");
        WeightException e2 = assertThrows(WeightException.class, () -> LdmConfig.read(noUnet).unetConfig());
        assertTrue(e2.getMessage().contains(noUnet.toString()) && e2.getMessage().contains("unet_config"), e2.getMessage());
    }

    private static JsonArray json(String s) {
        return JsonParser.parseString(s).getAsJsonArray();
    }
}
