package dev.erasure.sd;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ParameterShapes lists exactly the keys and shapes diffusers/transformers saved for the fixture's configs. */
class ParameterShapesTest {
    @Test
    void unetKeysAndShapesMatchTheDiffusersFixture() throws Exception {
        Path unet = Fixtures.tinySd().resolve("unet");
        UNetConfig cfg = UNetConfig.fromJson(json(unet.resolve("config.json")));
        assertEquals(fileShapes(unet.resolve("diffusion_pytorch_model.safetensors")), new TreeMap<>(ParameterShapes.unet(cfg)));
    }

    @Test
    void clipTextKeysAndShapesMatchTheTransformersFixture() throws Exception {
        Path text = Fixtures.tinySd().resolve("text_encoder");
        ClipTextConfig cfg = ClipTextConfig.fromJson(json(text.resolve("config.json")));
        Map<String, Shape> file = fileShapes(text.resolve("model.safetensors"));
        file.remove("text_model.embeddings.position_ids"); // a buffer older transformers saved, not a parameter
        assertEquals(file, new TreeMap<>(ParameterShapes.clipText(cfg)));
    }

    private static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    private static Map<String, Shape> fileShapes(Path file) {
        Map<String, Shape> out = new TreeMap<>();
        for (var e : Safetensors.header(file).entries()) out.put(e.name(), e.shape());
        return out;
    }
}
