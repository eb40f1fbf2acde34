package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end goldens (e2e.*): prompt embeddings, the CFG DDIM loop step by step, the final
 * latent and the decoded image, for the diffusers folder and for the single-file checkpoint.
 */
class PipelineParityTest {
    static Golden golden;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.tinySd());
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    /** The single-file checkpoints in the fixture folder (any *.safetensors that is not golden). */
    static List<Path> singleFiles() throws Exception {
        try (Stream<Path> s = Files.list(golden.folder())) {
            return s.filter(p -> p.toString().endsWith(".safetensors") && !p.getFileName().toString().startsWith("golden"))
                    .sorted().toList();
        }
    }

    @Test
    void folderLayoutReproducesEndToEndGoldens() {
        try (StableDiffusion sd = StableDiffusion.load(golden.folder(), LoadOptions.defaults().device("cpu"))) {
            checkEndToEnd(sd);
        }
    }

    @Test
    void singleFileLayoutGivesTheSameTensorsAndGoldens() throws Exception {
        List<Path> files = singleFiles();
        assertTrue(!files.isEmpty(), "fixture has no single-file checkpoint");
        try (StableDiffusion folder = StableDiffusion.load(golden.folder(), LoadOptions.defaults().device("cpu"))) {
            for (Path f : files) {
                int heads = folder.textEncoder().config().numAttentionHeads();
                try (StableDiffusion single = StableDiffusion.load(f, LoadOptions.defaults().device("cpu").textHeads(heads))) {
                    assertSameWeights("unet", folder.unet().weights(), single.unet().weights());
                    assertSameWeights("vae", folder.vae().weights(), single.vae().weights());
                    assertSameWeights("text_encoder", folder.textEncoder().weights(), single.textEncoder().weights());
                    checkEndToEnd(single);
                }
            }
        }
    }

    static void assertSameWeights(String what, Weights a, Weights b) {
        assertEquals(a.keys(), b.keys(), what + " key sets differ");
        for (String k : a.keys()) {
            NDArray x = a.asMap().get(k);
            NDArray y = b.asMap().get(k);
            assertEquals(x.getShape(), y.getShape(), what + " " + k);
            assertArrayEquals(x.toFloatArray(), y.toFloatArray(), what + " " + k + " differs");
        }
    }

    static void checkEndToEnd(StableDiffusion sd) {
        JsonObject e2e = golden.json().getAsJsonObject("e2e");
        String prompt = e2e.get("prompt").getAsString();
        int steps = e2e.get("num_inference_steps").getAsInt();
        float guidance = e2e.get("guidance_scale").getAsFloat();
        try (NDScope scope = new NDScope()) {
            NDArray embeds = sd.encodePrompts(List.of("", prompt));
            golden.assertClose("e2e.prompt_embeds", embeds);
            NDList halves = embeds.split(2, 0);
            List<NDArray> unetOuts = new ArrayList<>();
            List<NDArray> latents = new ArrayList<>();
            List<Integer> timesteps = new ArrayList<>();
            NDArray init = sd.manager().create(golden.tensor("e2e.initial_latent").toFloatArray(),
                    golden.tensor("e2e.initial_latent").getShape());
            NDArray fin = Sampler.denoise(sd.unet(), sd.scheduler(), init, halves.get(1), halves.get(0), steps, guidance,
                    null, (i, t, out, next) -> {
                        timesteps.add(t);
                        unetOuts.add(keep(out));
                        latents.add(keep(next));
                    });
            long[] expectedT = golden.tensor("e2e.timesteps").toLongArray();
            assertArrayEquals(expectedT, timesteps.stream().mapToLong(Integer::longValue).toArray());
            golden.assertClose("e2e.unet_out_per_step", NDArrays.stack(new NDList(unetOuts)));
            golden.assertClose("e2e.latents_per_step", NDArrays.stack(new NDList(latents)));
            golden.assertClose("e2e.final_latent", fin);
            NDArray raw = sd.decode(fin);
            golden.assertClose("e2e.decoded_raw", raw);
            golden.assertClose("e2e.image", raw.div(2).add(0.5f).clip(0, 1));
        }
    }

    private static NDArray keep(NDArray a) {
        NDArray c = a.duplicate();
        NDScope.unregister(c);
        return c;
    }

    @Test
    void generateProducesAnImageOfTheRequestedSize() {
        try (StableDiffusion sd = StableDiffusion.load(golden.folder(), LoadOptions.defaults().device("cpu"))) {
            var img = sd.generate(Generation.of("a photo of a garbage truck").seed(3).steps(2).size(64, 96));
            assertEquals(96, img.getWidth());
            assertEquals(64, img.getHeight());
            var again = sd.generate(Generation.of("a photo of a garbage truck").seed(3).steps(2).size(64, 96));
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 96; x++) assertEquals(img.getRGB(x, y), again.getRGB(x, y), "same seed, same image");
            }
        }
    }

}
