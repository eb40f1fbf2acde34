package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One tensor of one component given a wrong shape in a copy of a fixture file: loading fails at
 * once with a message naming the file, the key and both shapes, for the VAE, the CLIP text
 * encoder(s), the SDXL UNet and text_projection, and both single-file layouts (CLIP and OpenCLIP).
 */
class ComponentShapeErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void vaeOfAFolder() throws IOException {
        assertNamed(Fixtures.tinySd(), "vae/diffusion_pytorch_model.safetensors", "decoder.up_blocks.1.resnets.0.conv2.weight", 3,
                "vae/diffusion_pytorch_model.safetensors");
    }

    @Test
    void textEncoderOfAFolder() throws IOException {
        assertNamed(Fixtures.tinySd(), "text_encoder/model.safetensors", "text_model.encoder.layers.1.mlp.fc1.weight", 0,
                "text_encoder/model.safetensors");
    }

    @Test
    void sd2TextEncoderOfAFolder() throws IOException {
        assertNamed(Fixtures.tinySd2(), "text_encoder/model.safetensors", "text_model.encoder.layers.0.self_attn.k_proj.weight", 0,
                "text_encoder/model.safetensors");
    }

    @Test
    void sdxlUnetBothTextEncodersAndTextProjection() throws IOException {
        Path xl = Fixtures.tinySdxl();
        assertNamed(xl, "unet/diffusion_pytorch_model.safetensors", "add_embedding.linear_1.weight", 1, "unet");
        assertNamed(xl, "vae/diffusion_pytorch_model.safetensors", "encoder.mid_block.attentions.0.to_v.weight", 0, "vae");
        assertNamed(xl, "text_encoder/model.safetensors", "text_model.final_layer_norm.weight", 0, "text_encoder");
        assertNamed(xl, "text_encoder_2/model.safetensors", "text_model.encoder.layers.0.mlp.fc2.weight", 1, "text_encoder_2");
        assertNamed(xl, "text_encoder_2/model.safetensors", "text_projection.weight", 0, "text_encoder_2");
    }

    @Test
    void singleFileVaeAndUnet() throws IOException {
        String file = "tiny-sd-single-file.safetensors";
        assertNamed(Fixtures.tinySd(), file, "first_stage_model.decoder.up.0.block.1.conv2.weight", 2, "decoder.up_blocks.3.resnets.1.conv2.weight", file);
        assertNamed(Fixtures.tinySd(), file, "model.diffusion_model.out.0.weight", 0, "conv_norm_out.weight", file);
    }

    @Test
    void singleFileOpenClipTextEncoder() throws IOException {
        assertNamed(Fixtures.tinySd2(), "tiny-sd2-single-file.safetensors", "cond_stage_model.model.transformer.resblocks.0.mlp.c_fc.weight", 1,
                "text_model.encoder.layers.0.mlp.fc1.weight", "tiny-sd2-single-file.safetensors");
    }

    private void assertNamed(Path fixture, String file, String key, int axis, String fileInMessage) throws IOException {
        assertNamed(fixture, file, key, axis, key, fileInMessage);
    }

    /** Copies the fixture, enlarges {@code key} of {@code file} by one along {@code axis}, loads it. */
    private void assertNamed(Path fixture, String file, String key, int axis, String keyInMessage, String fileInMessage)
            throws IOException {
        Path model = copy(fixture, tmp.resolve(fixture.getFileName() + "-" + Math.abs((file + key).hashCode())));
        Shape was;
        Shape now;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>(Safetensors.load(fixture.resolve(file), m));
            was = w.get(key).getShape();
            long[] s = was.getShape().clone();
            s[axis] += 1;
            now = new Shape(s);
            w.put(key, m.zeros(now, w.get(key).getDataType()));
            Safetensors.save(model.resolve(file), w, Map.of("format", "pt"));
        }
        LoadOptions o = LoadOptions.defaults().device("cpu").textHeads(4);
        WeightException e = assertThrows(WeightException.class, () -> {
            if (StableDiffusionXL.isSdxlFolder(model)) StableDiffusionXL.load(model, o).close();
            else StableDiffusion.load(file.endsWith("single-file.safetensors") ? model.resolve(file) : model, o).close();
        }, key);
        String msg = e.getMessage();
        assertTrue(msg.contains("'" + keyInMessage + "'") && msg.contains(fileInMessage), msg);
        assertTrue(msg.contains(now.toString()) && msg.contains(was.toString()), "both shapes: " + msg);
        assertTrue(msg.length() < 400, msg);
    }

    private static Path copy(Path src, Path dst) throws IOException {
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String rel = src.relativize(p).toString();
                if (rel.startsWith("golden")) continue;
                Path q = dst.resolve(rel);
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
                q.toFile().setWritable(true);
            }
        }
        return dst;
    }
}
