package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every ddim.* entry of golden.json: schedule, timesteps_N, and step_* outputs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DdimParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private static final Pattern TIMESTEPS = Pattern.compile("ddim\\.timesteps_(\\d+)");
    private static final Pattern STEP = Pattern.compile("(ddim(?:_(v|eps))?\\.step_[^.]+)\\.(prev_sample|pred_original_sample)");
    private Golden golden;
    private DdimScheduler scheduler;
    private JsonObject config;

    @BeforeAll
    void load() throws Exception {
        golden = new Golden(fixture());
        String cfg = Files.readString(fixture().resolve("scheduler/scheduler_config.json"));
        config = JsonParser.parseString(cfg).getAsJsonObject();
        scheduler = DdimScheduler.fromJson(config);
    }

    @AfterAll
    void close() {
        golden.close();
    }

    @Test
    void goldenDdimEntries() {
        NDManager m = golden.manager();
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            Matcher ts = TIMESTEPS.matcher(name);
            Matcher st = STEP.matcher(name);
            NDArray actual;
            if (name.equals("ddim.betas")) {
                actual = m.create(scheduler.betas());
            } else if (name.equals("ddim.alphas_cumprod")) {
                actual = m.create(scheduler.alphasCumprod());
            } else if (ts.matches()) {
                int[] t = scheduler.timesteps(Integer.parseInt(ts.group(1)));
                long[] expected = golden.tensor(name).toLongArray();
                assertArrayEquals(expected, Arrays.stream(t).asLongStream().toArray(), name);
                compared++;
                continue;
            } else if (st.matches()) {
                int t = (int) golden.tensor(st.group(1) + ".timestep").toLongArray()[0];
                DdimScheduler.StepOutput out = schedulerFor(st.group(2)).step(golden.tensor("ddim.step.model_output"), t,
                        golden.tensor("ddim.step.sample"), stepCountFor(t));
                actual = st.group(3).equals("prev_sample") ? out.prevSample() : out.predOriginalSample();
            } else {
                continue;
            }
            golden.assertClose(name, actual);
            System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name,
                    Golden.maxAbsDiff(actual, golden.tensor(name)), golden.tolerance(name));
            compared++;
        }
        assertTrue(compared >= 4, "too few ddim.* entries compared: " + compared);
    }

    /** ddim_v.* / ddim_eps.* goldens: the folder's config with that prediction_type; ddim.*: the folder's. */
    private DdimScheduler schedulerFor(String variant) {
        if (variant == null) return scheduler;
        JsonObject c = config.deepCopy();
        c.addProperty("prediction_type", variant.equals("v") ? "v_prediction" : "epsilon");
        return DdimScheduler.fromJson(c);
    }

    /**
     * The inference-step count a golden step was made with: the largest N whose ddim.timesteps_N
     * contains t (the step goldens use the finest schedule stored; a t in several schedules, like
     * the last t=1, steps past 0 in each, so the choice does not change the result there).
     */
    private int stepCountFor(int t) {
        int best = -1;
        for (String name : golden.entries().keySet()) {
            Matcher ts = TIMESTEPS.matcher(name);
            if (!ts.matches()) continue;
            int n = Integer.parseInt(ts.group(1));
            for (long v : golden.tensor(name).toLongArray()) if (v == t && n > best) best = n;
        }
        if (best < 0) throw new AssertionError("no ddim.timesteps_N entry contains the step timestep " + t);
        return best;
    }

    @Test
    void addNoiseIsPerBatchQSample() {
        try (NDManager m = golden.manager().newSubManager()) {
            NDArray x0 = m.ones(new Shape(2, 1, 2, 2));
            NDArray noise = m.full(new Shape(2, 1, 2, 2), 2f);
            float[] ab = scheduler.alphasCumprod();
            float[] y = scheduler.addNoise(x0, noise, new int[] {0, 999}).toFloatArray();
            List<Float> expected = new ArrayList<>();
            for (int t : new int[] {0, 999}) {
                float v = (float) Math.sqrt(ab[t]) + 2f * (float) Math.sqrt(1f - ab[t]);
                for (int i = 0; i < 4; i++) expected.add(v);
            }
            for (int i = 0; i < y.length; i++) assertEquals(expected.get(i), y[i], 1e-6f, "element " + i);
            assertThrows(IllegalArgumentException.class, () -> scheduler.addNoise(x0, noise, new int[] {1, 2, 3}));
            assertThrows(IllegalArgumentException.class, () -> scheduler.addNoise(x0, noise, new int[] {1000}));
        }
    }

    @Test
    void spacingsAndRejectedOptions() {
        JsonObject c = new JsonObject();
        c.addProperty("timestep_spacing", "trailing");
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, DdimScheduler.fromJson(c).timesteps(10));
        c.addProperty("timestep_spacing", "linspace");
        assertArrayEquals(new int[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, DdimScheduler.fromJson(c).timesteps(10));
        assertEquals(981 - 20, scheduler.previousTimestep(981, 50));
        c.addProperty("timestep_spacing", "karras");
        assertThrows(IllegalArgumentException.class, () -> DdimScheduler.fromJson(c));
        JsonObject t = new JsonObject();
        t.addProperty("thresholding", true);
        assertThrows(IllegalArgumentException.class, () -> DdimScheduler.fromJson(t));
        JsonObject b = new JsonObject();
        b.addProperty("beta_schedule", "sigmoid");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DdimScheduler.fromJson(b));
        assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
    }
}
