package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer on a very small model (8 px, widths 8/16, 16-wide text encoder): learning, resume, export. */
class ShapeWorldTrainerTest {
    @Test
    void lossDecreasesOverThirtyIterations(@TempDir Path dir) {
        List<Double> losses = new ArrayList<>();
        ProgressListener record = p -> {
            if (p.metrics() != null && p.metrics().containsKey("loss")) losses.add(p.metrics().get("loss"));
        };
        ShapeWorld.train(TrainConfig.tiny(dir, 30), record);
        assertEquals(30, losses.size());
        double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < 0.8 * first, "mean loss of the first 5 iterations " + first + ", of the last 5 " + last);
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        TrainConfig straight = TrainConfig.tiny(dir.resolve("straight"), 6);
        ShapeWorld.train(straight, ProgressListener.NONE);
        TrainConfig cut = TrainConfig.tiny(dir.resolve("cut"), 6);
        assertEquals(3, ShapeWorld.train(cut.withStopAfter(3), ProgressListener.NONE).step());
        assertEquals(6, ShapeWorld.train(cut, ProgressListener.NONE).step());
        for (String file : List.of("params.safetensors", "ema.safetensors", "optimizer.safetensors")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("straight/checkpoint").resolve(file)),
                    Files.readAllBytes(dir.resolve("cut/checkpoint").resolve(file)), file);
        }
    }

    @Test
    void resumeRefusesACheckpointOfAnotherSchedule(@TempDir Path dir) {
        ShapeWorld.train(TrainConfig.tiny(dir, 4).withStopAfter(2), ProgressListener.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ShapeWorld.train(TrainConfig.tiny(dir, 8), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("planned_steps"), e.getMessage());
    }

    @Test
    void trainsOnTheConfiguredNoiseScheduleExportsItAndRefusesToResumeOnAnother(@TempDir Path dir) throws Exception {
        TrainConfig sd = TrainConfig.tiny(dir, 4).withSchedulerConfig(ShapeWorldModel.scaledLinearSchedulerConfig());
        ShapeWorld.train(sd.withStopAfter(2), ProgressListener.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ShapeWorld.train(TrainConfig.tiny(dir, 4), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("noise schedule"), e.getMessage());
        ShapeWorld.train(sd, ProgressListener.NONE);
        com.google.gson.JsonObject exported = com.google.gson.JsonParser.parseString(
                Files.readString(dir.resolve("final/scheduler/scheduler_config.json"))).getAsJsonObject();
        assertEquals("scaled_linear", exported.get("beta_schedule").getAsString());
        assertEquals(0.00085, exported.get("beta_start").getAsDouble(), 1e-12);
        assertEquals(0.012, exported.get("beta_end").getAsDouble(), 1e-12);
        assertEquals(1, exported.get("steps_offset").getAsInt());
        try (StableDiffusion model = StableDiffusion.load(dir.resolve("final"))) {
            // SD-1's ᾱ at t = 999 (diffusers: prod(1 − linspace(√0.00085, √0.012, 1000)²) = 0.00466)
            assertEquals(0.00466, model.scheduler().alphasCumprod()[999], 2e-5);
        }
    }

    @Test
    void exportedFolderLoadsAsPixelSpaceStableDiffusionAndGenerates(@TempDir Path dir) {
        ShapeWorld.train(TrainConfig.tiny(dir, 2), ProgressListener.NONE);
        Path folder = dir.resolve("final");
        try (StableDiffusion sd = StableDiffusion.load(folder)) {
            assertNull(sd.vae());
            assertEquals(16, sd.tokenizer().maxLength());
            assertEquals(DataType.FLOAT32,
                    sd.textEncoder().weights().get(ModelExport.TOKEN_TABLE).getDataType(), "fp16 table widened on load");
            assertEquals(new Shape(1, 16, 16), sd.encodePrompt("a red star").getShape());
            BufferedImage img = sd.generate("a red star", 1, 3, 3f);
            assertEquals(8, img.getWidth());
            assertEquals(8, img.getHeight());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> text = Safetensors.load(folder.resolve("text_encoder/model.safetensors"), m);
            assertEquals(DataType.FLOAT16, text.get(ModelExport.TOKEN_TABLE).getDataType(),
                    "the 49408-row token table is stored in fp16 to keep the shipped model small");
        }
    }
}
