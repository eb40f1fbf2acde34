package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.eval.RgbImage;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FID Inception and both preprocessing paths against shared/fixtures/tiny-fid
 * (-Derasure.fixtures.fid): every image set of golden.json → images, every golden entry of the
 * T2IBenchmark path (fid.*) and the pytorch-fid path (pytorch_fid.*) within its suggested_abs_tol
 * (README "Tolerances": resized images exact, pixel values 1e-6, intermediates ≤ 2e-3, features
 * 3e-4 / 5e-3, FID values 0.02 = 1e-5 relative).
 */
class FidInceptionParityTest {
    private static Golden golden;
    private static FidInception inception;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.fid());
        inception = FidInception.load(golden.folder().resolve("inception.safetensors"));
    }

    @AfterAll
    static void close() {
        inception.close();
        golden.close();
    }

    private static Map<String, List<RgbImage>> sets() {
        Map<String, List<RgbImage>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : golden.json().getAsJsonObject("images").entrySet()) {
            List<RgbImage> imgs = new ArrayList<>();
            for (JsonElement spec : e.getValue().getAsJsonArray()) {
                imgs.add(RgbImage.of(ImageFiles.read(golden.folder().resolve(spec.getAsJsonObject().get("file").getAsString()))));
            }
            out.put(e.getKey(), imgs);
        }
        assertTrue(!out.isEmpty(), "golden.json lists no image sets");
        return out;
    }

    private static boolean check(String name, NDArray actual) {
        if (!golden.has(name)) {
            System.out.println(name + " not in the fixture: skipped");
            return false;
        }
        ResNetParityTest.check(golden, name, actual);
        return true;
    }

    private static NDArray matrix(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        return golden.manager().create(flat, new Shape(rows.length, rows[0].length));
    }

    private static NDArray sigma(double[][] s) {
        double[] flat = new double[s.length * s.length];
        for (int i = 0; i < s.length; i++) System.arraycopy(s[i], 0, flat, i * s.length, s.length);
        return golden.manager().create(flat, new Shape(s.length, s.length));
    }

    @Test
    void t2iBenchmarkPreprocessingIsBitExact() {
        int compared = 0;
        for (Map.Entry<String, List<RgbImage>> set : sets().entrySet()) {
            for (int i = 0; i < set.getValue().size(); i++) {
                String name = "fid." + set.getKey() + ".resized." + i;
                if (!golden.has(name)) continue;
                RgbImage got = FidPreprocess.t2iResized(set.getValue().get(i));
                assertArrayEquals(RgbImage.of(golden.tensor(name)).rgb(), got.rgb(), name + " must be bit-exact (README: exact)");
                compared++;
            }
            String pv = "fid." + set.getKey() + ".pixel_values.0";
            if (golden.has(pv)) {
                NDArray in = FidPreprocess.T2I_BENCHMARK.input(golden.manager(), set.getValue().get(0));
                compared += check(pv, in.reshape(in.getShape().slice(1))) ? 1 : 0;
            }
        }
        System.out.println(compared + " T2IBenchmark preprocessing goldens compared (resized images exact)");
        assertTrue(compared > 0, "no preprocessing goldens");
    }

    @Test
    void bothPathsFeaturesStatisticsAndDistance() {
        Map<String, List<RgbImage>> sets = sets();
        for (FidPreprocess path : FidPreprocess.values()) {
            String p = path == FidPreprocess.T2I_BENCHMARK ? "fid." : "pytorch_fid.";
            Fid fid = new Fid(inception, path);
            List<FidStatistics> stats = new ArrayList<>();
            for (Map.Entry<String, List<RgbImage>> set : sets.entrySet()) {
                float[][] f = fid.featuresOf(set.getValue());
                check(p + set.getKey() + ".features", matrix(f));
                FidStatistics s = FidStatistics.of(f);
                stats.add(s);
                check(p + set.getKey() + ".mu", golden.manager().create(s.mu()));
                check(p + set.getKey() + ".sigma", sigma(s.sigma()));
            }
            if (stats.size() == 2 && golden.has(p + "value")) {
                double v = stats.get(0).distance(stats.get(1));
                check(p + "value", golden.manager().create(new double[] {v}));
            }
        }
    }

    @Test
    void pytorchFidResizeInput() {
        for (String name : golden.entries().keySet()) {
            if (!name.matches("pytorch_fid\\.[^.]+\\.\\d+\\.block0_input")) continue;
            String[] parts = name.split("\\.");
            RgbImage img = sets().get(parts[1]).get(Integer.parseInt(parts[2]));
            check(name, FidPreprocess.PYTORCH_FID.input(golden.manager(), img));
        }
    }

    @Test
    void intermediatesOfOneImage() {
        Map<String, List<RgbImage>> sets = sets();
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            if (!name.matches("fid\\.[^.]+\\.\\d+\\.inter\\..+")) continue;
            String[] parts = name.split("\\.", 5);
            Map<String, NDArray> trace = new HashMap<>();
            inception.features(FidPreprocess.T2I_BENCHMARK.input(golden.manager(), sets.get(parts[1]).get(Integer.parseInt(parts[2]))), trace);
            assertTrue(trace.containsKey(parts[4]), name + ": the Java FID Inception records no '" + parts[4] + "'");
            check(name, trace.get(parts[4]));
            compared++;
        }
        if (compared == 0) System.out.println("no intermediates in the fixture: skipped");
    }

    /** config.json → basic_conv2d: every conv's stride and padding as the Java topology has them, channels as the weights. */
    @Test
    void configMatchesTheTopology() {
        JsonObject convs = JudgeFiles.json(golden.folder().resolve("config.json")).getAsJsonObject("basic_conv2d");
        if (convs == null) {
            System.out.println("config.json has no basic_conv2d: skipped");
            return;
        }
        for (Map.Entry<String, JsonElement> e : convs.entrySet()) {
            JsonObject c = e.getValue().getAsJsonObject();
            JsonArray k = c.getAsJsonArray("kernel");
            int[] sp = FidInception.strideAndPadding(e.getKey(), k.get(0).getAsInt(), k.get(1).getAsInt());
            assertEquals(c.getAsJsonArray("stride").get(0).getAsInt(), sp[0], e.getKey() + " stride");
            assertEquals(c.getAsJsonArray("padding").get(0).getAsInt(), sp[1], e.getKey() + " padding (H)");
            assertEquals(c.getAsJsonArray("padding").get(1).getAsInt(), sp[2], e.getKey() + " padding (W)");
        }
        assertEquals(golden.json().getAsJsonObject("config").get("feature_dim").getAsLong(), inception.dims(), "feature_dim");
    }
}
