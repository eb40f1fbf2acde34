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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model folder with a missing weight, a weight of the wrong shape or extra keys: loading
 * either fails with a message naming the file and the key, or (extra keys) just works.
 */
class ModelErrorsTest {
    @TempDir
    Path tmp;

    static final String UNET_FILE = "unet/diffusion_pytorch_model.safetensors";

    /** Copies the fixture model and rewrites its UNet weights through {@code edit}. */
    Path modelWithEditedUnet(Consumer<Map<String, NDArray>> edit) throws IOException {
        Path src = Fixtures.tinySd();
        Path dst = tmp.resolve("model");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = src.relativize(p);
                if (rel.toString().startsWith("golden") || rel.toString().startsWith("tiny-sd-single")) continue;
                Path q = dst.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
                q.toFile().setWritable(true);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>(Safetensors.load(src.resolve(UNET_FILE), m));
            edit.accept(w);
            Safetensors.save(dst.resolve(UNET_FILE), w, Map.of("format", "pt"));
        }
        return dst;
    }

    @Test
    void missingWeightIsNamedWithItsFile() throws IOException {
        String key = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight";
        Path model = modelWithEditedUnet(w -> w.remove(key));
        WeightException e = assertThrows(WeightException.class, () -> StableDiffusion.load(model, cpu()));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(UNET_FILE), e.getMessage());
    }

    @Test
    void wrongShapeIsNamedWithItsFileAndShape() throws IOException {
        String key = "up_blocks.2.resnets.1.conv1.weight";
        Path model = modelWithEditedUnet(w -> {
            NDArray a = w.get(key);
            long[] s = a.getShape().getShape();
            s[1] += 1; // one input channel too many
            w.put(key, a.getManager().zeros(new Shape(s)));
        });
        WeightException e = assertThrows(WeightException.class, () -> StableDiffusion.load(model, cpu()));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(UNET_FILE), e.getMessage());
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void wrongShapesOfNormsAndBiasesAreNamedAtLoad() throws IOException {
        for (String key : new String[] {"up_blocks.2.resnets.1.norm1.weight", "mid_block.resnets.0.conv1.bias",
                "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_out.0.bias", "conv_norm_out.bias"}) {
            Path model = modelWithEditedUnet(w -> {
                NDArray a = w.get(key);
                w.put(key, a.getManager().zeros(new Shape(1))); // would broadcast silently
            });
            WeightException e = assertThrows(WeightException.class, () -> StableDiffusion.load(model, cpu()).close(), key);
            assertTrue(e.getMessage().contains(key), e.getMessage());
            assertTrue(e.getMessage().contains(UNET_FILE), e.getMessage());
            deleteTree(model);
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    @Test
    void extraKeysOfRealDownloadsAreIgnored() throws IOException {
        Path model = modelWithEditedUnet(w -> {
            NDArray any = w.values().iterator().next();
            w.put("position_ids", any.getManager().arange(77L));
            w.put("model_ema.decay", any.getManager().create(0.9999f));
        });
        try (StableDiffusion sd = StableDiffusion.load(model, cpu());
             StableDiffusion ref = StableDiffusion.load(Fixtures.tinySd(), cpu())) {
            var a = sd.generate(Generation.of("a church").seed(1).samplingSteps(2).size(32, 32));
            var b = ref.generate(Generation.of("a church").seed(1).samplingSteps(2).size(32, 32));
            assertEquals(b.getRGB(7, 9), a.getRGB(7, 9));
            assertEquals(b.getRGB(30, 2), a.getRGB(30, 2));
        }
    }

    @Test
    void missingFolderAndPickleAreRefusedClearly() throws IOException {
        WeightException missing = assertThrows(WeightException.class, () -> StableDiffusion.load(tmp.resolve("nope"), cpu()));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        Path ckpt = Files.write(tmp.resolve("sd-v1-4.ckpt"), new byte[] {0x50, 0x4b, 3, 4});
        WeightException pickle = assertThrows(WeightException.class, () -> StableDiffusion.load(ckpt, cpu()));
        assertTrue(pickle.getMessage().toLowerCase().contains("convert"), pickle.getMessage());
    }

    static LoadOptions cpu() {
        return LoadOptions.defaults().device("cpu");
    }
}
