package dev.erasure.erase;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.nn.Kernels;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryEstimateTest {
    @Test
    void shapesFromTheConfigEqualTheFixtureWeights() throws Exception {
        for (Path dir : List.of(Fixtures.tinySd(), Fixtures.tinySd2(), Fixtures.tinySdxl())) shapesMatch(dir);
    }

    private static void shapesMatch(Path dir) throws Exception {
        UNetConfig cfg = UNetConfig.fromJson(JsonParser.parseString(Files.readString(dir.resolve("unet/config.json"))).getAsJsonObject());
        Map<String, long[]> derived = new TreeMap<>(UNetShapes.of(cfg));
        Map<String, Safetensors.Entry> real = new TreeMap<>(Safetensors.header(dir.resolve("unet/diffusion_pytorch_model.safetensors")).byName());
        assertEquals(real.keySet(), derived.keySet());
        real.forEach((k, e) -> assertArrayEquals(e.shape().getShape(), derived.get(k), k));
    }

    @Test
    void sd14CountsMatchTheDocumentedNumbers() {
        UNetConfig sd14 = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        MemoryEstimate x = MemoryEstimate.of(sd14, Params.crossAttention(), Preserve.none(), 64);
        assertEquals(43_962_560L, x.trainableParams(), "methods.md §0.3: ESD-x trains 43,962,560 parameters");
        assertEquals(859_520_964L, x.totalParams(), "SD-1.4 UNet");
        MemoryEstimate u = MemoryEstimate.of(sd14, Params.nonCrossAttention(), Preserve.adversarial(50), 64);
        assertTrue(Math.abs(u.trainableParams() - 813.5e6) < 1e6, "ESD-u ≈ 813.5 M: " + u.trainableParams());
        assertTrue(u.peakBytes() > x.peakBytes());
    }

    /** The released SD-2.x UNet has 865,910,724 parameters (torchinfo / numel counts published with SD 2.1 ports). */
    /** #16 mixed precision: fp16 halves the frozen UNet and the activations; the trained subset stays fp32 (+ its fp16 cast's gradient). */
    @Test
    void halfPrecisionKeepsFp32MastersAndHalvesTheRest() {
        UNetConfig sd14 = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        MemoryEstimate full = MemoryEstimate.of(sd14, Params.nonCrossAttention(), Preserve.adversarial(50), 64);
        MemoryEstimate half = MemoryEstimate.of(sd14, Params.nonCrossAttention(), Preserve.adversarial(50), 64, DataType.FLOAT16);
        assertEquals(full.frozenBytes() / 2, half.frozenBytes());
        assertEquals(full.activationBytes() / 2, half.activationBytes());
        assertEquals(full.transientBytes() / 2, half.transientBytes());
        assertEquals(full.trainableBytes(), half.trainableBytes(), "fp32 masters");
        assertEquals(full.adamBytes(), half.adamBytes(), "fp32 moments");
        assertEquals(full.gradientBytes() + 2 * full.trainableParams(), half.gradientBytes(), "fp32 master grads + fp16 cast grads");
        assertTrue(half.peakBytes() < full.peakBytes());
        assertThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(sd14, Params.full(), Preserve.none(), 64, DataType.INT8));
    }

    /** Fused attention keeps no L² scores: the no-grad transient loses SD-1.4's 2 (batch) × 2 × 8 heads × 4096² fp32 scores. */
    @Test
    void fusedAttentionKeepsNoScoreMatrices() {
        UNetConfig sd14 = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        MemoryEstimate composite = MemoryEstimate.of(sd14, Params.crossAttention(), Preserve.none(), 64, DataType.FLOAT32, Kernels.COMPOSITE);
        MemoryEstimate fused = MemoryEstimate.of(sd14, Params.crossAttention(), Preserve.none(), 64, DataType.FLOAT32, Kernels.FUSED);
        assertEquals(2L * 2 * 8 * 4096 * 4096 * 4, composite.transientBytes() - fused.transientBytes());
        assertTrue(fused.activationBytes() < composite.activationBytes());
        assertEquals(composite.frozenBytes() + composite.trainableBytes() + composite.gradientBytes() + composite.adamBytes(),
                fused.frozenBytes() + fused.trainableBytes() + fused.gradientBytes() + fused.adamBytes(), "weights do not depend on the kernels");
    }

    @Test
    void sd21CountsMatchTheReleasedUNet() {
        UNetConfig sd21 = UNetConfig.fromJson(JsonParser.parseString(Sd21.UNET_CONFIG).getAsJsonObject());
        MemoryEstimate x = MemoryEstimate.of(sd21, Params.crossAttention(), Preserve.none(), 96);
        assertEquals(865_910_724L, x.totalParams(), "stable-diffusion-2-1 UNet parameters");
        UNetConfig sd14 = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        assertTrue(x.activationBytes() > MemoryEstimate.of(sd14, Params.crossAttention(), Preserve.none(), 64).activationBytes(),
                "768 px keeps more activations than 512 px");
    }

    @Test
    void sdxlBaseCountsMatchTheReleasedUNet() {
        UNetConfig xl = UNetConfig.fromJson(JsonParser.parseString(SdxlBase.UNET_CONFIG).getAsJsonObject());
        MemoryEstimate x = MemoryEstimate.of(xl, Params.crossAttention(), Preserve.none(), 128);
        assertEquals(2_567_463_684L, x.totalParams(), "stable-diffusion-xl-base-1.0 UNet parameters");
        MemoryEstimate eap = MemoryEstimate.of(xl, Params.crossAttention(), Preserve.adversarial(100), 128);
        assertTrue(eap.activationBytes() == 2 * x.activationBytes(), "EAP keeps two trainable forwards");
        System.out.println("SDXL base, 1024 px, ESD-x: " + x);
    }
}
