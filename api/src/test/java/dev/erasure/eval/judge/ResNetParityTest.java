package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ImageNet classifier against shared/fixtures/tiny-resnet (-Derasure.fixtures.resnet): every
 * golden.json entry, each within its own suggested_abs_tol (README "Tolerances": resized images and
 * top-5 indices exact, pixel values 1e-6, logits ~1e-4, probabilities ~1e-5, intermediates ≤ 2e-4).
 * The network is built from the fixture's config.json; images from golden.json → images.
 */
class ResNetParityTest {
    private static Golden golden;
    private static ImageNetClassifier classifier;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.resnet());
        classifier = ImageNetClassifier.load(golden.folder().resolve("model.safetensors"), golden.folder().resolve("config.json"));
    }

    @AfterAll
    static void close() {
        classifier.close();
        golden.close();
    }

    private static List<RgbImage> images() {
        List<RgbImage> out = new ArrayList<>();
        for (JsonElement e : golden.json().getAsJsonArray("images")) {
            out.add(RgbImage.of(ImageFiles.read(golden.folder().resolve(e.getAsJsonObject().get("file").getAsString()))));
        }
        assertTrue(!out.isEmpty(), "golden.json lists no images");
        return out;
    }

    /**
     * Compares within the entry's suggested_abs_tol (the README's rule), printing the measured difference.
     * (Not Golden.assertClose: its float64 conversion closes float64 inputs, which F64 goldens are.)
     */
    static void check(Golden g, String name, NDArray actual) {
        JsonObject spec = g.entries().get(name);
        double tol = spec.get("suggested_abs_tol").getAsDouble();
        NDArray expected = g.tensor(name);
        assertTrue(actual.getShape().equals(expected.getShape()), name + ": shape " + actual.getShape() + " != golden " + expected.getShape());
        double[] a = actual.toType(DataType.FLOAT64, true).toDoubleArray();
        double[] e = expected.toType(DataType.FLOAT64, true).toDoubleArray();
        double diff = 0;
        for (int i = 0; i < a.length; i++) diff = Math.max(diff, Double.isNaN(a[i]) ? Double.POSITIVE_INFINITY : Math.abs(a[i] - e[i]));
        System.out.printf("%s: max abs diff %.3g (README tolerance: suggested_abs_tol %.0e)%n", name, diff, tol);
        assertTrue(diff <= tol, name + ": max abs diff " + diff + " exceeds the README tolerance (suggested_abs_tol) " + tol);
    }

    @Test
    void preprocessingIsBitExact() {
        List<RgbImage> images = images();
        ImageNetPreprocess p = classifier.preprocess();
        int compared = 0;
        for (int i = 0; i < images.size(); i++) {
            String name = "images." + i + ".resized";
            if (!golden.has(name)) {
                System.out.println(name + " not in the fixture: skipped");
                continue;
            }
            RgbImage expected = RgbImage.of(golden.tensor(name));
            RgbImage got = p.resized(images.get(i));
            assertTrue(got.height() == expected.height() && got.width() == expected.width(),
                    name + ": size " + got.height() + "x" + got.width() + " != golden " + expected.height() + "x" + expected.width());
            assertArrayEquals(expected.rgb(), got.rgb(), name + " must be bit-exact (README: PIL bilinear port is exact)");
            compared++;
        }
        if (golden.has("preprocess.pixel_values")) {
            check(golden, "preprocess.pixel_values", p.pixelValues(golden.manager(), images));
            compared++;
        } else {
            System.out.println("preprocess.pixel_values not in the fixture: skipped");
        }
        assertTrue(compared > 0, "no preprocessing goldens in " + golden.folder());
    }

    @Test
    void classifierOutputs() {
        List<Classification> result = classifier.classify(images());
        int n = result.size();
        int k = result.get(0).probs().length;
        float[] probs = new float[n * k];
        for (int i = 0; i < n; i++) System.arraycopy(result.get(i).probs(), 0, probs, i * k, k);
        int compared = 0;
        if (golden.has("probs")) {
            check(golden, "probs", golden.manager().create(probs).reshape(n, k));
            compared++;
        }
        if (golden.has("logits")) {
            NDArray logits = classifier.network().forward(classifier.preprocess().pixelValues(golden.manager(), images()));
            check(golden, "logits", logits);
            compared++;
        }
        if (golden.has("top5.indices")) {
            long[] expected = golden.tensor("top5.indices").toLongArray();
            int top = (int) golden.tensor("top5.indices").getShape().get(1);
            float[] topProbs = new float[n * top];
            for (int i = 0; i < n; i++) {
                List<Classification.Ranked> r = result.get(i).top(top);
                for (int j = 0; j < top; j++) {
                    assertTrue(r.get(j).index() == expected[i * top + j], "top5.indices[" + i + "][" + j + "] = " + r.get(j).index()
                            + " but golden " + expected[i * top + j] + " (README: exact)");
                    topProbs[i * top + j] = r.get(j).prob();
                    assertTrue(result.get(i).inTopK(r.get(j).name().toUpperCase(), top), "top-k matches names ignoring case");
                }
            }
            System.out.println("top5.indices: exact");
            if (golden.has("top5.probs")) check(golden, "top5.probs", golden.manager().create(topProbs).reshape(n, top));
            compared++;
        }
        assertTrue(compared > 0, "no classifier goldens in " + golden.folder());
    }

    @Test
    void networkAloneWithIntermediates() {
        if (!golden.has("model_case.input")) {
            System.out.println("model_case.input not in the fixture: skipped");
            return;
        }
        Map<String, NDArray> trace = new HashMap<>();
        NDArray logits = classifier.network().forward(golden.tensor("model_case.input").toType(DataType.FLOAT32, false), trace);
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            if (name.equals("model_case.logits")) {
                check(golden, name, logits);
                compared++;
            } else if (name.startsWith("model_case.inter.")) {
                String local = name.substring("model_case.inter.".length());
                NDArray got = trace.get(local);
                assertTrue(got != null, name + ": the Java ResNet records no intermediate '" + local + "'");
                check(golden, name, got);
                compared++;
            }
        }
        assertTrue(compared > 0, "no model_case goldens in " + golden.folder());
    }

    /** The fixture's resnet50-keys.json (if present) is exactly what the resnet50 config expects, minus BN counters. */
    @Test
    void resnet50KeyListMatchesTorchvision() {
        Path keys = golden.folder().resolve("resnet50-keys.json");
        Path config = golden.folder().resolve("resnet50-config.json");
        if (!keys.toFile().isFile() || !config.toFile().isFile()) {
            System.out.println("no resnet50-keys.json / resnet50-config.json: skipped");
            return;
        }
        JsonObject listed = JudgeFiles.json(keys).getAsJsonObject("keys");
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : listed.entrySet()) {
            if (e.getKey().endsWith(".num_batches_tracked")) continue;
            expected.add(e.getKey() + " " + e.getValue().getAsJsonArray().get(1));
        }
        List<String> got = new ArrayList<>();
        ResNet.expectedShapes(ResNetConfig.read(config)).forEach((k, s) -> got.add(k + " " + Arrays.toString(s.getShape()).replace(" ", "")));
        assertTrue(expected.equals(got), "resnet50 keys differ: first torchvision keys " + expected.subList(0, 3) + ", ours " + got.subList(0, 3));
    }
}
