package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end goldens (e2e.*): prompt embeddings, the CFG DDIM loop step by step, the final
 * latent and the decoded image, for the diffusers folder and for the single-file checkpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    Golden golden;

    @BeforeAll
    void open() {
        golden = new Golden(fixture());
    }

    @AfterAll
    void close() {
        golden.close();
    }

    /** The single-file checkpoints in the fixture folder (any *.safetensors that is not golden). */
    List<Path> singleFiles() {
        return singleFilesOf(golden.folder());
    }

    /** The single-file checkpoints beside a fixture's diffusers folder. */
    static List<Path> singleFilesOf(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".safetensors") && !p.getFileName().toString().startsWith("golden"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        Assumptions.assumeTrue(!files.isEmpty(), "fixture " + golden.folder() + " has no single-file checkpoint: skipped");
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

    /** Every end-to-end run of golden.json (e2e, e2e_eps, ...): each object whose key starts with "e2e". */
    void checkEndToEnd(StableDiffusion sd) {
        int runs = 0;
        for (String run : golden.json().keySet()) {
            if (!run.startsWith("e2e") || !golden.json().get(run).isJsonObject() || !golden.has(run + ".initial_latent")
                    && !golden.has("e2e.initial_latent")) continue;
            checkRun(sd, run);
            runs++;
        }
        Assumptions.assumeTrue(runs > 0, golden.folder() + "/golden.json has no e2e run: skipped");
    }

    private void checkRun(StableDiffusion sd, String run) {
        JsonObject e2e = golden.json().getAsJsonObject(run);
        String prompt = e2e.get("prompt").getAsString();
        String negative = negativePrompt(e2e);
        int steps = e2e.get("num_inference_steps").getAsInt();
        float guidance = e2e.get("guidance_scale").getAsFloat();
        DdimScheduler scheduler = schedulerOf(sd, e2e);
        String init = golden.has(run + ".initial_latent") ? run + ".initial_latent" : "e2e.initial_latent";
        try (NDScope scope = new NDScope()) {
            NDArray embeds = sd.encodePrompts(List.of(negative, prompt));
            golden.assertClose(run + ".prompt_embeds", embeds);
            NDList halves = embeds.split(2, 0);
            List<NDArray> unetOuts = new ArrayList<>();
            List<NDArray> latents = new ArrayList<>();
            List<Integer> timesteps = new ArrayList<>();
            NDArray initial = sd.manager().create(golden.tensor(init).toFloatArray(), golden.tensor(init).getShape());
            NDArray fin = Sampler.denoise(sd.unet(), scheduler, initial, halves.get(1), halves.get(0), steps, guidance,
                    null, (i, t, out, next) -> {
                        timesteps.add(t);
                        unetOuts.add(keep(out));
                        latents.add(keep(next));
                    });
            long[] expectedT = golden.tensor(run + ".timesteps").toLongArray();
            assertArrayEquals(expectedT, timesteps.stream().mapToLong(Integer::longValue).toArray(), run + ".timesteps");
            golden.assertClose(run + ".unet_out_per_step", NDArrays.stack(new NDList(unetOuts)));
            golden.assertClose(run + ".latents_per_step", NDArrays.stack(new NDList(latents)));
            golden.assertClose(run + ".final_latent", fin);
            NDArray raw = sd.decode(fin);
            golden.assertClose(run + ".decoded_raw", raw);
            if (golden.has(run + ".image")) golden.assertClose(run + ".image", raw.div(2).add(0.5f).clip(0, 1));
            System.out.println(run + ": end-to-end goldens match");
        }
    }

    /** golden.json's negative_prompt: a literal, or "'' (pipeline default ...)" for the empty one. */
    static String negativePrompt(JsonObject e2e) {
        if (!e2e.has("negative_prompt") || e2e.get("negative_prompt").isJsonNull()) return "";
        String n = e2e.get("negative_prompt").getAsString();
        return n.startsWith("''") ? "" : n;
    }

    /** The folder's scheduler, or the one its description names: "...from_config(..., prediction_type='epsilon')". */
    private static DdimScheduler schedulerOf(StableDiffusion sd, JsonObject e2e) {
        String description = e2e.has("scheduler") ? e2e.get("scheduler").getAsString() : "";
        Matcher m = Pattern.compile("prediction_type='(\\w+)'").matcher(description);
        if (!m.find()) return sd.scheduler();
        return sd.scheduler().withPrediction(DdimScheduler.Prediction.valueOf(m.group(1).toUpperCase(Locale.ROOT)));
    }

    private static NDArray keep(NDArray a) {
        NDArray c = a.duplicate();
        NDScope.unregister(c);
        return c;
    }

    @Test
    void generateProducesAnImageOfTheRequestedSize() {
        try (StableDiffusion sd = StableDiffusion.load(golden.folder(), LoadOptions.defaults().device("cpu"))) {
            var img = sd.generate(Generation.of("a photo of a garbage truck").seed(3).samplingSteps(2).size(64, 96));
            assertEquals(96, img.getWidth());
            assertEquals(64, img.getHeight());
            var again = sd.generate(Generation.of("a photo of a garbage truck").seed(3).samplingSteps(2).size(64, 96));
            var euler = sd.generate(Generation.of("a photo of a garbage truck").seed(3).samplingSteps(2).size(64, 96)
                    .scheduler(SchedulerType.EULER));
            boolean differs = false;
            for (int y = 0; y < 64; y++) for (int x = 0; x < 96; x++) differs |= euler.getRGB(x, y) != img.getRGB(x, y);
            assertTrue(differs, "Euler gave the DDIM image");
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 96; x++) assertEquals(img.getRGB(x, y), again.getRGB(x, y), "same seed, same image");
            }
        }
    }

}
