package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.erasure.sd.io.SingleFileKeyMapTest.assertBitEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layout detection, component files (plain, fp16, sharded) and the error message for each missing piece. */
class ModelFolderTest {
    final Path fixture = Fixtures.tinySd();
    final NDManager manager = NDManager.newBaseManager();
    @TempDir
    Path tmp;

    @AfterEach
    void closeManager() {
        manager.close();
    }

    static void assertMessage(Runnable r, String... fragments) {
        WeightException e = assertThrows(WeightException.class, r::run);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
    }

    /** A folder with unet/config.json from the fixture and no weights yet. */
    Path unetOnlyFolder() throws IOException {
        Path unet = Files.createDirectories(tmp.resolve("model/unet"));
        Files.copy(fixture.resolve("unet/config.json"), unet.resolve("config.json"));
        return unet.getParent();
    }

    Map<String, NDArray> fixtureUnet() {
        return Safetensors.load(fixture.resolve("unet/diffusion_pytorch_model.safetensors"), manager);
    }

    @Test
    void fixtureIsADiffusersFolder() {
        ModelFolder f = ModelFolder.open(fixture);
        assertEquals(ModelFolder.Layout.DIFFUSERS_FOLDER, f.layout());
        ModelFolder.Component unet = f.component("unet");
        assertEquals(List.of(fixture.resolve("unet/diffusion_pytorch_model.safetensors")), unet.weightFiles());
        assertEquals(2, unet.config().get("layers_per_block").getAsInt());
        assertEquals(List.of(fixture.resolve("text_encoder/model.safetensors")), f.component("text_encoder").weightFiles());
        assertEquals("DDIMScheduler", f.schedulerConfig().get("_class_name").getAsString());
        assertEquals(fixture.resolve("tokenizer"), f.tokenizerDir());
        assertTrue(f.has("vae"));
        assertFalse(f.has("safety_checker"));
    }

    @Test
    void singleFileIsDetectedAndNotAFolder() {
        Path file = fixture.resolve("tiny-sd-single-file.safetensors");
        ModelFolder f = ModelFolder.open(file);
        assertEquals(ModelFolder.Layout.SINGLE_FILE, f.layout());
        assertMessage(() -> f.component("unet"), file.toString(), "SingleFileCheckpoint.load");
    }

    @Test
    void missingPathsAndForeignFolders() throws IOException {
        Path missing = tmp.resolve("nowhere");
        assertMessage(() -> ModelFolder.open(missing), "not found", missing.toString());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertMessage(() -> ModelFolder.open(empty), empty.toString(), "model_index.json", "unet/config.json");
        Files.write(empty.resolve("v1-5.safetensors"), new byte[8]);
        assertMessage(() -> ModelFolder.open(empty), "v1-5.safetensors", "pass that file itself");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hi");
        assertMessage(() -> ModelFolder.open(text), text.toString(), "neither");
        Path ckpt = Files.write(tmp.resolve("sd.ckpt"), new byte[8]);
        assertMessage(() -> ModelFolder.open(ckpt), ckpt.toString(), "pickle");
    }

    @Test
    void missingComponentPieces() throws IOException {
        Path model = unetOnlyFolder(); // no model_index.json: unet/config.json suffices
        ModelFolder f = ModelFolder.open(model);
        assertMessage(() -> f.component("unet"), model.resolve("unet/diffusion_pytorch_model.safetensors").toString());
        assertMessage(() -> f.component("vae"), model.resolve("vae").toString());
        Files.createDirectories(model.resolve("text_encoder"));
        assertMessage(() -> f.component("text_encoder"), model.resolve("text_encoder/config.json").toString());
        Files.copy(fixture.resolve("text_encoder/config.json"), model.resolve("text_encoder/config.json"));
        assertMessage(() -> f.component("text_encoder"), model.resolve("text_encoder/model.safetensors").toString());
        assertMessage(f::schedulerConfig, model.resolve("scheduler/scheduler_config.json").toString());
        assertMessage(f::tokenizerDir, model.resolve("tokenizer/vocab.json").toString());
        Files.write(model.resolve("unet/diffusion_pytorch_model.bin"), new byte[8]);
        assertMessage(() -> f.component("unet"), "diffusion_pytorch_model.bin", "pickle", "save_file");
    }

    @Test
    void fp16VariantLoadsAndWidens() throws IOException {
        Path model = unetOnlyFolder();
        Map<String, NDArray> half = new LinkedHashMap<>();
        fixtureUnet().forEach((k, v) -> half.put(k, v.toType(DataType.FLOAT16, false)));
        Safetensors.save(model.resolve("unet/diffusion_pytorch_model.fp16.safetensors"), half, null);
        ModelFolder.Component unet = ModelFolder.open(model).component("unet");
        assertEquals(List.of(model.resolve("unet/diffusion_pytorch_model.fp16.safetensors")), unet.weightFiles());
        Map<String, NDArray> loaded = ModelFolder.loadWeights(unet, manager, DataType.FLOAT32);
        assertEquals(half.keySet(), loaded.keySet());
        NDArray w = loaded.get("conv_in.weight");
        assertEquals(DataType.FLOAT32, w.getDataType());
        assertArrayEquals(half.get("conv_in.weight").toType(DataType.FLOAT32, false).toFloatArray(), w.toFloatArray());
    }

    @Test
    void shardedIndexLoadsAllShards() throws IOException {
        Path model = unetOnlyFolder();
        Map<String, NDArray> all = fixtureUnet();
        Map<String, NDArray> first = new TreeMap<>();
        Map<String, NDArray> second = new TreeMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        for (String k : all.keySet()) {
            boolean down = k.startsWith("down_blocks");
            (down ? first : second).put(k, all.get(k));
            weightMap.put(k, down ? "diffusion_pytorch_model-00001-of-00002.safetensors"
                    : "diffusion_pytorch_model-00002-of-00002.safetensors");
        }
        Path unetDir = model.resolve("unet");
        Safetensors.save(unetDir.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"), first, null);
        Safetensors.save(unetDir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"), second, null);
        writeIndex(unetDir, weightMap);
        ModelFolder.Component unet = ModelFolder.open(model).component("unet");
        assertEquals(2, unet.weightFiles().size());
        Map<String, NDArray> loaded = ModelFolder.loadWeights(unet, manager, null);
        assertEquals(all.keySet(), loaded.keySet());
        for (String k : all.keySet()) assertBitEqual(all.get(k), loaded.get(k), k);

        weightMap.put("conv_in.weight", "diffusion_pytorch_model-00001-of-00002.safetensors"); // wrong shard
        writeIndex(unetDir, weightMap);
        assertMessage(() -> ModelFolder.open(model).component("unet"), "conv_in.weight", "lacks it");
        weightMap.put("conv_in.weight", "diffusion_pytorch_model-00003-of-00002.safetensors");
        writeIndex(unetDir, weightMap);
        assertMessage(() -> ModelFolder.open(model).component("unet"), "missing shard",
                unetDir.resolve("diffusion_pytorch_model-00003-of-00002.safetensors").toString());
    }

    private static void writeIndex(Path dir, Map<String, String> weightMap) throws IOException {
        StringBuilder sb = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        weightMap.forEach((k, v) -> sb.append('"').append(k).append("\": \"").append(v).append("\","));
        sb.setLength(sb.length() - 1);
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), sb.append("}}").toString());
    }
}
