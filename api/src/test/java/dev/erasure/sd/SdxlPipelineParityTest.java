package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.sd.scheduler.Schedule;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDXL end-to-end runs of golden.json → e2e (e2e_euler, e2e_ddim, ...): CFG batch
 * [negative, positive] with zeroed negatives under force_zeros_for_empty_prompt, time ids from
 * the run's sizes, the scheduler the run names (Euler or DDIM from SDXL's config), every step.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlPipelineParityTest {
    private Golden golden;
    private NDManager manager;
    private SdxlPromptEncoder encoder;
    private UNet2DConditionModel unet;
    private AutoencoderKL vae;

    protected Path fixture() {
        return Fixtures.tinySdxl();
    }

    @BeforeAll
    void load() {
        golden = new Golden(fixture());
        manager = NDManager.newBaseManager();
        Path f = golden.folder();
        encoder = ModelFixtures.sdxlPromptEncoder(f, manager);
        unet = ModelFixtures.unet(f, manager);
        vae = ModelFixtures.vae(f, manager);
    }

    @AfterAll
    void close() {
        manager.close();
        golden.close();
    }

    @Test
    void everyEndToEndRun() {
        JsonObject e2e = golden.json().getAsJsonObject("e2e");
        int runs = 0;
        for (String key : e2e.keySet()) {
            if (!e2e.get(key).isJsonObject() || !golden.has("e2e_" + key + ".final_latent")) continue;
            run("e2e_" + key, e2e.getAsJsonObject(key));
            runs++;
        }
        assertTrue(runs > 0, "golden.json → e2e has no run with stored goldens");
    }

    private void run(String prefix, JsonObject r) {
        int h = r.get("height").getAsInt();
        int w = r.get("width").getAsInt();
        int steps = r.get("num_inference_steps").getAsInt();
        float guidance = r.get("guidance_scale").getAsFloat();
        JsonObject schedulerConfig = ModelFixtures.config(golden.folder().resolve("scheduler"), "scheduler_config.json");
        boolean ddim = r.get("scheduler").getAsString().startsWith("DDIM");
        Schedule schedule = ddim ? DdimScheduler.fromJson(schedulerConfig).schedule(steps)
                : EulerDiscreteScheduler.fromJson(schedulerConfig).schedule(steps);
        SizeConditioning size = SizeConditioning.of(h, w);
        if (r.has("original_size")) size = size.original(at(r, "original_size", 0), at(r, "original_size", 1));
        if (r.has("crops_coords_top_left")) size = size.crop(at(r, "crops_coords_top_left", 0), at(r, "crops_coords_top_left", 1));
        if (r.has("target_size")) {
            size = new SizeConditioning(size.originalHeight(), size.originalWidth(), size.cropTop(), size.cropLeft(),
                    at(r, "target_size", 0), at(r, "target_size", 1));
        }
        boolean zeros = ModelFixtures.config(golden.folder(), "model_index.json").get("force_zeros_for_empty_prompt").getAsBoolean();
        try (NDScope scope = new NDScope()) {
            NDArray timeIds = size.timeIds(manager, 1);
            Conditioning cond = encoder.encode(List.of(r.get("prompt").getAsString())).with(timeIds);
            JsonElement neg = r.get("negative_prompt");
            Conditioning uncond = neg == null || neg.isJsonNull()
                    ? (zeros ? cond.zeros() : encoder.encode(List.of("")).with(timeIds))
                    : encoder.encode(List.of(neg.getAsString())).with(timeIds);
            Conditioning batch = Conditioning.concat(uncond, cond);
            golden.assertClose(prefix + ".prompt_embeds", batch.promptEmbeds());
            golden.assertClose(prefix + ".add_text_embeds", batch.pooled());
            golden.assertClose(prefix + ".add_time_ids", batch.timeIds(), 0);
            List<NDArray> outs = new ArrayList<>();
            List<NDArray> lats = new ArrayList<>();
            List<Float> ts = new ArrayList<>();
            NDArray[] firstInput = new NDArray[1];
            NDArray fin = Sampler.denoise(unet, schedule, golden.tensor("e2e.initial_latent"), cond, uncond, guidance, null,
                    (i, t, in, out, next) -> {
                        ts.add(t);
                        if (i == 0) firstInput[0] = keep(in);
                        outs.add(keep(out));
                        lats.add(keep(next));
                    });
            float[] expectedT = golden.tensor(prefix + ".timesteps").toType(DataType.FLOAT32, false).toFloatArray();
            float[] actualT = new float[ts.size()];
            for (int i = 0; i < actualT.length; i++) actualT[i] = ts.get(i);
            assertArrayEquals(expectedT, actualT, prefix + ".timesteps");
            if (golden.has(prefix + ".unet_input_step0")) golden.assertClose(prefix + ".unet_input_step0", firstInput[0]);
            golden.assertClose(prefix + ".unet_out_per_step", NDArrays.stack(new NDList(outs)));
            golden.assertClose(prefix + ".latents_per_step", NDArrays.stack(new NDList(lats)));
            golden.assertClose(prefix + ".final_latent", fin);
            if (golden.has(prefix + ".image")) {
                NDArray image = vae.decode(fin.div(vae.scalingFactor())).div(2).add(0.5f).clip(0, 1);
                golden.assertClose(prefix + ".image", image);
            }
            System.out.printf("%s: end-to-end goldens match (final latent max abs diff %.3g)%n", prefix,
                    Golden.maxAbsDiff(fin, golden.tensor(prefix + ".final_latent")));
        }
    }

    @Test
    void loadedFolderGeneratesWithEulerAndDdim() {
        try (StableDiffusionXL xl = StableDiffusionXL.load(golden.folder(), LoadOptions.defaults().device("cpu"))) {
            Generation g = Generation.of("a photo of a garbage truck").seed(3).samplingSteps(3).guidance(5f).size(64, 96);
            var euler = xl.generate(g);
            var again = xl.generate(g.scheduler(SchedulerType.EULER));
            var ddim = xl.generate(g.scheduler(SchedulerType.DDIM));
            Assertions.assertEquals(96, euler.getWidth());
            Assertions.assertEquals(64, euler.getHeight());
            boolean differs = false;
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 96; x++) {
                    Assertions.assertEquals(euler.getRGB(x, y), again.getRGB(x, y), "default = Euler");
                    differs |= euler.getRGB(x, y) != ddim.getRGB(x, y);
                }
            }
            assertTrue(differs, "DDIM and Euler give the same image");
        }
    }

    private static int at(JsonObject r, String key, int i) {
        JsonArray a = r.getAsJsonArray(key);
        return a.get(i).getAsInt();
    }

    private static NDArray keep(NDArray a) {
        NDArray c = a.duplicate();
        NDScope.unregister(c);
        return c;
    }
}
