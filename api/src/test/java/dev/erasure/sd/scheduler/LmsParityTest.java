package dev.erasure.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.Sampler;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * diffusers' LMSDiscreteScheduler against shared/fixtures/lms (-Derasure.fixtures.lms): every
 * schedule, trajectory and tiny-SD end-to-end run listed in golden.json, built from the config
 * golden.json records. Tolerances are the README's.
 */
class LmsParityTest {
    /** README: schedule values are bit-exact with the recipe. */
    private static final double SCHEDULE_TOL = 0;
    /** README: LMS coefficients rel 1e-6 (the recipe is bit-exact; exact integration is within 7e-7). */
    private static final double COEFF_REL_TOL = 1e-6;
    /** README: e2e UNet outputs abs 1e-5, latents 2e-4, decoded/image 1e-5, uint8 image ≤ 1. */
    private static final double E2E_UNET_TOL = 1e-5;
    private static final double E2E_LATENT_TOL = 2e-4;
    private static final double E2E_IMAGE_TOL = 1e-5;

    private static Golden golden;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.lms());
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    private static JsonObject section(String name) {
        return golden.json().getAsJsonObject(name);
    }

    @Test
    void trainingSchedule() {
        LmsDiscreteScheduler lms = LmsDiscreteScheduler.papers();
        int compared = 0;
        if (golden.has("train.sigmas")) {
            golden.assertClose("train.sigmas", golden.manager().create(lms.trainSigmas()), SCHEDULE_TOL);
            compared++;
        }
        if (golden.has("train.betas")) {
            golden.assertClose("train.betas", golden.manager().create(BetaSchedule.scaledLinear(0.00085, 0.012, 1000)), SCHEDULE_TOL);
            compared++;
        }
        if (compared == 0) System.out.println("lms fixture has no train.* goldens: skipped");
    }

    @Test
    void everyScheduleOfGoldenJson() {
        int compared = 0;
        for (Map.Entry<String, JsonElement> e : section("schedules_and_trajectories").entrySet()) {
            String key = e.getKey();
            if (key.startsWith("traj_")) continue;
            JsonObject spec = e.getValue().getAsJsonObject();
            int steps = spec.get("num_inference_steps").getAsInt();
            var s = LmsDiscreteScheduler.fromConfig(spec.getAsJsonObject("config")).schedule(steps);
            if (golden.has(key + ".timesteps")) {
                assertArrayEquals(golden.tensor(key + ".timesteps").toFloatArray(), s.timesteps(), key + ".timesteps (exact)");
            }
            if (golden.has(key + ".sigmas")) {
                assertArrayEquals(golden.tensor(key + ".sigmas").toFloatArray(), s.sigmas(), key + ".sigmas (exact)");
            }
            if (golden.has(key + ".sigmas_interp_f64")) {
                assertArrayEquals(golden.tensor(key + ".sigmas_interp_f64").toDoubleArray(), s.sigmasInterp(), key + ".sigmas_interp_f64 (exact)");
            }
            if (golden.has(key + ".init_noise_sigma")) {
                assertEquals(golden.tensor(key + ".init_noise_sigma").toFloatArray()[0], s.initNoiseSigma(), key + ".init_noise_sigma (exact)");
            }
            if (golden.has(key + ".scale_divisor")) {
                float[] div = new float[steps];
                for (int i = 0; i < steps; i++) div[i] = s.scaleDivisor(i);
                assertArrayEquals(golden.tensor(key + ".scale_divisor").toFloatArray(), div, key + ".scale_divisor (exact)");
            }
            if (golden.has(key + ".lms_coeffs")) {
                double[] g = golden.tensor(key + ".lms_coeffs").toDoubleArray();
                long[] order = golden.has(key + ".lms_order") ? golden.tensor(key + ".lms_order").toLongArray() : null;
                int width = g.length / steps;
                double worst = 0;
                for (int i = 0; i < steps; i++) {
                    if (order != null) assertEquals(order[i], s.order(i), key + ".lms_order[" + i + "]");
                    double[] c = s.coefficients(i);
                    for (int k = 0; k < width; k++) {
                        double expected = g[i * width + k];
                        double actual = k < c.length ? c[k] : 0;
                        double rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-30);
                        if (expected == actual) rel = 0;
                        worst = Math.max(worst, rel);
                        assertTrue(rel <= COEFF_REL_TOL, key + ".lms_coeffs[" + i + "][" + k + "] " + actual + " vs "
                                + expected + ": rel diff " + rel + " exceeds " + COEFF_REL_TOL);
                    }
                }
                System.out.printf("%s.lms_coeffs max rel diff %.3g (tolerance %.0e)%n", key, worst, COEFF_REL_TOL);
            }
            compared++;
        }
        assertTrue(compared > 0, "golden.json lists no LMS schedules");
    }

    @Test
    void papersConstructorIsTheLinspaceSchedule() {
        for (Map.Entry<String, JsonElement> e : section("schedules_and_trajectories").entrySet()) {
            JsonObject spec = e.getValue().getAsJsonObject();
            JsonObject c = spec.getAsJsonObject("config");
            boolean papers = c.get("timestep_spacing").getAsString().equals("linspace")
                    && c.get("beta_schedule").getAsString().equals("scaled_linear")
                    && c.get("beta_start").getAsDouble() == 0.00085 && c.get("beta_end").getAsDouble() == 0.012
                    && c.get("num_train_timesteps").getAsInt() == 1000
                    && c.get("prediction_type").getAsString().equals("epsilon");
            String key = e.getKey();
            if (!papers || !golden.has(key + ".timesteps")) continue;
            var s = LmsDiscreteScheduler.papers().schedule(spec.get("num_inference_steps").getAsInt());
            assertArrayEquals(golden.tensor(key + ".timesteps").toFloatArray(), s.timesteps(), key);
            if (golden.has(key + ".init_noise_sigma")) {
                assertEquals(golden.tensor(key + ".init_noise_sigma").toFloatArray()[0], s.initNoiseSigma(), key);
            }
        }
    }

    @Test
    void everyTrajectoryOfGoldenJson() {
        int compared = 0;
        for (Map.Entry<String, JsonElement> e : section("schedules_and_trajectories").entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("traj_")) continue;
            JsonObject spec = e.getValue().getAsJsonObject();
            int steps = spec.get("num_inference_steps").getAsInt();
            double tol = trajectoryTolerance(steps);
            var s = LmsDiscreteScheduler.fromConfig(spec.getAsJsonObject("config")).schedule(steps);
            assertArrayEquals(golden.tensor(key + ".timesteps").toFloatArray(), s.timesteps(), key + ".timesteps");
            NDArray x = golden.tensor(key + ".initial_noise").mul(s.initNoiseSigma());
            golden.assertClose(key + ".sample0", x, 0);
            NDArray outs = golden.tensor(key + ".model_outputs");
            double worst = 0;
            for (int i = 0; i < steps; i++) {
                NDArray scaled = s.scaleModelInput(x, i);
                assertSlice(key + ".scaled_model_inputs", i, scaled, tol);
                x = s.step(outs.get(i), i, x);
                worst = Math.max(worst, assertSlice(key + ".prev_samples", i, x, tol));
                assertSlice(key + ".pred_original_samples", i, s.predOriginalSample(), tol);
            }
            System.out.printf("%s: %d steps, prev_samples max abs diff %.3g (tolerance %.0e)%n", key, steps, worst, tol);
            compared++;
        }
        if (compared == 0) System.out.println("lms fixture has no traj_* goldens: skipped");
    }

    /** README: 100 steps abs 1e-4, 10 steps abs 5e-5; interpolated in between. */
    private static double trajectoryTolerance(int steps) {
        return steps >= 100 ? 1e-4 : 5e-5;
    }

    private static double assertSlice(String name, int i, NDArray actual, double tol) {
        if (!golden.has(name)) return 0;
        NDArray expected = golden.tensor(name).get(i);
        double d = Golden.maxAbsDiff(actual, expected);
        assertTrue(d <= tol, name + "[" + i + "]: max abs diff " + d + " exceeds tolerance " + tol);
        return d;
    }

    @Test
    void everyEndToEndRunOnTinySd() {
        JsonObject runs = section("e2e");
        if (runs == null || runs.size() == 0) {
            System.out.println("lms fixture has no e2e runs: skipped");
            return;
        }
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"))) {
            for (Map.Entry<String, JsonElement> e : runs.entrySet()) {
                String key = e.getKey();
                if (!golden.has(key + ".initial_latent")) continue;
                JsonObject spec = e.getValue().getAsJsonObject();
                int steps = spec.get("num_inference_steps").getAsInt();
                float guidance = spec.get("guidance_scale").getAsFloat();
                var schedule = LmsDiscreteScheduler.fromConfig(spec.getAsJsonObject("effective_scheduler_config")).schedule(steps);
                NDArray embeds = golden.tensor(key + ".prompt_embeds");
                NDList halves = embeds.split(2, 0);
                List<NDArray> unetOuts = new ArrayList<>();
                List<NDArray> latents = new ArrayList<>();
                NDArray fin = Sampler.denoise(sd.unet(), schedule, golden.tensor(key + ".initial_latent"),
                        Conditioning.of(halves.get(1)), Conditioning.of(halves.get(0)), guidance, ProgressListener.NONE,
                        (i, t, in, out, after) -> {
                            NDArray o = out.duplicate();
                            NDArray a = after.duplicate();
                            NDScope.unregister(o, a); // the sampler's per-step scope would close them
                            unetOuts.add(o);
                            latents.add(a);
                        });
                if (golden.has(key + ".timesteps")) {
                    assertArrayEquals(golden.tensor(key + ".timesteps").toFloatArray(), schedule.timesteps(), key + ".timesteps");
                }
                check(key + ".unet_out_per_step", NDArrays.stack(new NDList(unetOuts)), E2E_UNET_TOL);
                check(key + ".latents_per_step", NDArrays.stack(new NDList(latents)), E2E_LATENT_TOL);
                check(key + ".final_latent", fin, E2E_LATENT_TOL);
                NDArray decoded = sd.decode(fin);
                check(key + ".decoded_raw", decoded, E2E_IMAGE_TOL);
                check(key + ".image", decoded.div(2).add(0.5).clip(0, 1), E2E_IMAGE_TOL);
                if (golden.has(key + ".image_u8")) {
                    // generate-images.py's PNG: vae.decode(1/0.18215 · latents), round(clamp(img/2+0.5)·255)
                    NDArray u8 = decoded.div(2).add(0.5).clip(0, 1).mul(255).round().transpose(0, 2, 3, 1);
                    double d = Golden.maxAbsDiff(u8, golden.tensor(key + ".image_u8").toType(DataType.FLOAT32, false));
                    assertTrue(d <= 1, key + ".image_u8 max abs diff " + d + " exceeds 1 (README)");
                }
            }
        }
    }

    private static void check(String name, NDArray actual, double tol) {
        if (!golden.has(name)) return;
        golden.assertClose(name, actual, tol);
        System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name, Golden.maxAbsDiff(actual, golden.tensor(name)), tol);
    }

    @Test
    void generationWithLmsRunsThePapersSchedule() {
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"))) {
            Generation g = Generation.of("a photo of a church").seed(3).samplingSteps(3).size(64, 64);
            NDArray viaGeneration = sd.sampleLatent(g.scheduler(SchedulerType.LMS), ProgressListener.NONE);
            NDArray direct = Sampler.denoise(sd.unet(), LmsDiscreteScheduler.papers().schedule(3), sd.initialLatent(3, 64, 64),
                    Conditioning.of(sd.encodePrompt(g.prompt())), Conditioning.of(sd.encodePrompt("")), g.guidance(), ProgressListener.NONE, null);
            assertEquals(0.0, Golden.maxAbsDiff(viaGeneration, direct), "Generation.scheduler(LMS) = papers' LMS (exact)");
            NDArray ddim = sd.sampleLatent(g, ProgressListener.NONE);
            assertTrue(Golden.maxAbsDiff(ddim, direct) > 1e-3, "the default stays DDIM");
        }
    }

    @Test
    void outOfOrderStepsAndBadConfigsAreRefused() {
        var s = LmsDiscreteScheduler.papers().schedule(10);
        NDArray x = golden.manager().zeros(new Shape(1, 4, 2, 2));
        assertThrows(IllegalStateException.class, () -> s.step(x, 1, x));
        assertThrows(IllegalArgumentException.class, () -> s.scaleModelInput(x, 10));
        JsonObject bad = new JsonObject();
        bad.addProperty("timestep_spacing", "sideways");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmsDiscreteScheduler.fromConfig(bad));
        assertTrue(e.getMessage().contains("timestep_spacing"), e.getMessage());
    }
}
