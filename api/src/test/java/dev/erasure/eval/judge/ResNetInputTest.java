package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad weight files and configs for the ImageNet classifier: errors name the file and the key. */
class ResNetInputTest {
    @TempDir
    Path tmp;

    @Test
    void picklesAreRefusedWithTheConversionCommand() throws Exception {
        Path pth = Files.write(tmp.resolve("resnet50-11ad3fa6.pth"), new byte[] {(byte) 0x80, 2, 0, 0, 0, 0, 0, 0, 0});
        WeightException e = assertThrows(WeightException.class, () -> ImageNetClassifier.load(pth));
        assertTrue(e.getMessage().contains(pth.toString()) && e.getMessage().contains("save_file"), e.getMessage());
    }

    @Test
    void aMissingKeyAndAWrongConfigNameTheFile() {
        Path fixture = Fixtures.resnet();
        Path config = fixture.resolve("config.json");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>(Safetensors.load(fixture.resolve("model.safetensors"), m));
            all.remove("fc.bias");
            Path cut = tmp.resolve("cut.safetensors");
            Safetensors.save(cut, all, Map.of());
            WeightException missing = assertThrows(WeightException.class, () -> ImageNetClassifier.load(cut, config));
            assertTrue(missing.getMessage().contains("fc.bias") && missing.getMessage().contains(cut.toString()), missing.getMessage());
        }
        // the tiny weights under the real resnet50 architecture: a shape mismatch naming the key
        WeightException wrong = assertThrows(WeightException.class, () -> ImageNetClassifier.load(fixture.resolve("model.safetensors")));
        assertTrue(wrong.getMessage().contains("conv1.weight"), wrong.getMessage());
        IllegalArgumentException noConfig = assertThrows(IllegalArgumentException.class,
                () -> ImageNetClassifier.load(fixture.resolve("model.safetensors"), tmp.resolve("none.json")));
        assertTrue(noConfig.getMessage().contains("none.json"), noConfig.getMessage());
    }

    /** resnet18 = BasicBlock [2,2,2,2]: torchvision's 122 state-dict tensors less its 20 BN counters. */
    @Test
    void basicBlockKeyLayout() {
        ResNetConfig r18 = new ResNetConfig(ResNetConfig.Block.BASIC_BLOCK, new int[] {2, 2, 2, 2}, 64, new int[] {64, 128, 256, 512},
                1, 64, 1000, 1e-5f, ImageNetPreprocess.IMAGENET1K_V2);
        Map<String, Shape> keys = ResNet.expectedShapes(r18);
        assertEquals(102, keys.size());
        assertTrue(keys.containsKey("layer2.0.downsample.0.weight") && !keys.containsKey("layer1.0.downsample.0.weight")
                && !keys.containsKey("layer1.0.conv3.weight"), keys.keySet().toString());
        assertEquals(List.of(1000L, 512L), List.of(keys.get("fc.weight").get(0), keys.get("fc.weight").get(1)));
    }
}
