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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad LPIPS inputs: the pickle alex.pth, a missing linear layer, swapped files, mismatched batches. */
class LpipsInputTest {
    @TempDir
    Path tmp;

    @Test
    void badWeightFilesNameTheFileAndKey() throws Exception {
        Path f = Fixtures.lpips();
        Path alex = f.resolve("alexnet.safetensors");
        Path lin = f.resolve("lpips-lin.safetensors");
        Path pth = Files.write(tmp.resolve("alex.pth"), new byte[] {(byte) 0x80, 2, 0, 0, 0, 0, 0, 0});
        WeightException pickle = assertThrows(WeightException.class, () -> Lpips.load(alex, pth));
        assertTrue(pickle.getMessage().contains("alex.pth") && pickle.getMessage().contains("save_file"), pickle.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> l = new LinkedHashMap<>(Safetensors.load(lin, m));
            l.remove("lin3.model.1.weight");
            Path cut = tmp.resolve("lin-cut.safetensors");
            Safetensors.save(cut, l, Map.of());
            WeightException missing = assertThrows(WeightException.class, () -> Lpips.load(alex, cut));
            assertTrue(missing.getMessage().contains("lin3.model.1.weight") && missing.getMessage().contains(cut.toString()), missing.getMessage());
        }
        WeightException swapped = assertThrows(WeightException.class, () -> Lpips.load(lin, alex));
        assertTrue(swapped.getMessage().contains("features.0.weight"), swapped.getMessage());
    }

    @Test
    void batchesMustMatch() {
        Path f = Fixtures.lpips();
        try (Lpips lpips = Lpips.load(f.resolve("alexnet.safetensors"), f.resolve("lpips-lin.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lpips.forward(m.zeros(new Shape(1, 3, 64, 64)), m.zeros(new Shape(1, 3, 64, 65))));
            assertTrue(e.getMessage().contains("[N,3,H,W]"), e.getMessage());
        }
    }
}
