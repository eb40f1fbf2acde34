package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void fixtureUnetLoadsAndRoundTripsBitExactly() {
        Path unet = Fixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors");
        Safetensors.Header h = Safetensors.header(unet);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = Safetensors.load(unet, m);
            assertEquals(h.entries().size(), w.size());
            Path out = tmp.resolve("copy.safetensors");
            Safetensors.save(out, w, Map.of("format", "pt"));
            Map<String, NDArray> back = Safetensors.load(out, m);
            assertEquals(w.keySet(), new TreeSet<>(back.keySet()).stream().collect(Collectors.toSet()));
            for (String k : w.keySet()) {
                assertEquals(w.get(k).getShape(), back.get(k).getShape(), k);
                assertArrayEquals(w.get(k).toFloatArray(), back.get(k).toFloatArray(), k);
            }
            assertEquals("pt", Safetensors.header(out).metadata().get("format"));
        }
    }
}
