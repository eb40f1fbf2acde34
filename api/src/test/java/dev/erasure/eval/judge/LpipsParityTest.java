package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.eval.PilResize;
import dev.erasure.eval.RgbImage;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LPIPS (alex, v0.1) against shared/fixtures/tiny-lpips (-Derasure.fixtures.lpips): every case of
 * golden.json → cases (full resolution, inputs rebuilt from the PNGs) and the ESD loader case, each
 * golden entry within its suggested_abs_tol (README "Tolerances": inputs 1e-6, scaled 3e-6,
 * features 5e-5, lin maps 1e-6, per_layer/dist 1e-6 or tighter; resized images exact); an identical
 * pair gives exactly 0.
 */
class LpipsParityTest {
    private static Golden golden;
    private static Lpips lpips;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.lpips());
        Path f = golden.folder();
        lpips = Lpips.load(f.resolve("alexnet.safetensors"), f.resolve("lpips-lin.safetensors"), Lpips.Config.read(f.resolve("config.json")));
    }

    @AfterAll
    static void close() {
        lpips.close();
        golden.close();
    }

    private static RgbImage png(String file) {
        return RgbImage.of(ImageFiles.read(golden.folder().resolve(file)));
    }

    private static void check(String name, NDArray actual) {
        if (!golden.has(name)) {
            System.out.println(name + " not in the fixture: skipped");
            return;
        }
        ResNetParityTest.check(golden, name, actual);
    }

    @Test
    void everyFullResolutionCase() {
        JsonObject cases = golden.json().getAsJsonObject("cases");
        assertTrue(cases.size() > 0, "golden.json lists no cases");
        for (Map.Entry<String, JsonElement> c : cases.entrySet()) {
            String p = "lpips." + c.getKey() + ".";
            List<RgbImage> a = new ArrayList<>();
            List<RgbImage> b = new ArrayList<>();
            JsonArray pairs = c.getValue().getAsJsonObject().getAsJsonArray("pairs");
            for (JsonElement pair : pairs) {
                a.add(png(pair.getAsJsonObject().get("in0").getAsString()));
                b.add(png(pair.getAsJsonObject().get("in1").getAsString()));
            }
            NDArray in0 = Lpips.tensorInput(golden.manager(), a);
            NDArray in1 = Lpips.tensorInput(golden.manager(), b);
            check(p + "in0", in0);
            check(p + "in1", in1);
            Map<String, NDArray> trace = new HashMap<>();
            Lpips.Output out = lpips.forward(in0, in1, trace);
            check(p + "dist", out.dist());
            check(p + "per_layer", NDArrays.stack(new NDList(out.perLayer())).reshape(out.perLayer().size(), -1));
            for (String name : golden.entries().keySet()) {
                if (!name.startsWith(p)) continue;
                String local = name.substring(p.length());
                if (local.startsWith("in") && local.endsWith("_scaled") || local.startsWith("feat") || local.startsWith("lin")) {
                    assertTrue(trace.containsKey(local), name + ": the Java LPIPS records no '" + local + "'");
                    check(name, trace.get(local));
                }
            }
            float[] d = out.dist().toFloatArray();
            for (int i = 0; i < pairs.size(); i++) {
                if (a.get(i).equals(b.get(i)) || Arrays.equals(a.get(i).rgb(), b.get(i).rgb())) {
                    assertEquals(0f, d[i], p + "pair " + i + " is identical: LPIPS must be exactly 0");
                }
            }
            // symmetric, and the convenience call gives the same numbers
            assertArrayEquals(d, lpips.forward(in1, in0).dist().toFloatArray(), 1e-7f, p + "d(in1,in0) = d(in0,in1)");
            assertArrayEquals(d, lpips.distances(a, b), 0f, p + "distances() = forward()");
        }
    }

    @Test
    void esdLoaderCase() {
        JsonObject spec = golden.json().getAsJsonObject("esd_loader_case");
        if (spec == null) {
            System.out.println("no esd_loader_case in golden.json: skipped");
            return;
        }
        JsonArray files = spec.getAsJsonArray("files");
        int size = Math.min(spec.getAsJsonArray("resized_hw").get(0).getAsInt(), spec.getAsJsonArray("resized_hw").get(1).getAsInt());
        RgbImage original = png(files.get(0).getAsString());
        RgbImage edited = png(files.get(1).getAsString());
        String[] resizedNames = {"lpips.esd.original_resized", "lpips.esd.edited_resized"};
        RgbImage[] inputs = {original, edited};
        for (int i = 0; i < 2; i++) {
            if (!golden.has(resizedNames[i])) continue;
            RgbImage expected = RgbImage.of(golden.tensor(resizedNames[i]));
            RgbImage got = PilResize.resizeShortSide(inputs[i], size, PilResize.Filter.BILINEAR);
            assertArrayEquals(expected.rgb(), got.rgb(), resizedNames[i] + " must be bit-exact (README: exact)");
            System.out.println(resizedNames[i] + ": exact");
        }
        NDArray in0 = Lpips.esdInput(golden.manager(), List.of(original), size);
        NDArray in1 = Lpips.esdInput(golden.manager(), List.of(edited), size);
        check("lpips.esd.in0", in0);
        check("lpips.esd.in1", in1);
        Lpips.Output out = lpips.forward(in0, in1);
        check("lpips.esd.dist", out.dist());
        check("lpips.esd.per_layer", NDArrays.stack(new NDList(out.perLayer())).reshape(out.perLayer().size(), -1));
    }
}
