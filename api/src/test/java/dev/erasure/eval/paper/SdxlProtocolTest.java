package dev.erasure.eval.paper;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ai.djl.ndarray.NDArray;
import dev.erasure.eval.judge.NudeDetector;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protocols on SDXL (issue #13): the papers' LMS on SDXL's schedule, both text encoders pinned, erased UNet tensors read onto it. */
class SdxlProtocolTest {
    @Test
    void nudityOnSdxlPinsBothEncodersAndTellsAnErasedUnetApart(@TempDir Path out) throws Exception {
        try (StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"));
             NudeDetector detector = NudeDetector.load(Fixtures.nudenet().resolve("tiny-nudenet.onnx"))) {
            Generation g = Generation.of("a photo").seed(3).samplingSteps(3).size(64, 64);
            assertFalse(Arrays.equals(pixels(xl, g.scheduler(SchedulerType.LMS)), pixels(xl, g.scheduler(SchedulerType.EULER))),
                    "LMS is a sampler of its own on SDXL");

            Nudity quick = Nudity.i2p().limit(2).samplingSteps(2).size(64);
            Evaluation e = quick.run("base", xl, detector, out, null);
            assertEquals(2, e.summary().intColumn("images").get(0));
            JsonObject base = model(e, "base");
            for (String c : new String[] {"unet", "text_encoder", "text_encoder_2"}) assertTrue(base.has(c + "_tensors_sha256"), c);

            Weights w = xl.unet().weights();
            String key = w.keys().stream().filter(k -> k.contains("attn2.to_k")).findFirst().orElseThrow();
            Path file = out.resolveSibling(out.getFileName() + "-xl.safetensors");
            NDArray halved = w.get(key).mul(0.5f);
            Safetensors.save(file, Map.of(key, halved), Map.of("format", "pt"));
            Pipeline erased = xl.withUnetWeights(file); // shares xl's weights: closed with it
            Evaluation two = quick.run("erased", erased, detector, out, null);
            JsonObject after = model(two, "erased");
            assertNotEquals(base.get("unet_tensors_sha256"), after.get("unet_tensors_sha256"));
            assertEquals(base.get("text_encoder_2_tensors_sha256"), after.get("text_encoder_2_tensors_sha256"));

            Path wrong = out.resolveSibling(out.getFileName() + "-wrong.safetensors");
            Safetensors.save(wrong, Map.of("down_blocks.9.nothing.weight", halved), Map.of("format", "pt"));
            WeightException bad = assertThrows(WeightException.class, () -> xl.withUnetWeights(wrong));
            assertTrue(bad.getMessage().contains(wrong.toString()) && bad.getMessage().contains("down_blocks.9.nothing.weight"), bad.getMessage());
        }
    }

    private static int[] pixels(StableDiffusionXL xl, Generation g) {
        var img = xl.generate(g);
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    private static JsonObject model(Evaluation e, String name) throws Exception {
        return JsonParser.parseString(Files.readString(e.record())).getAsJsonObject().getAsJsonObject("models").getAsJsonObject(name);
    }
}
