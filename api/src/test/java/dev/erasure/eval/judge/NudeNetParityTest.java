package dev.erasure.eval.judge;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NudeNet 3.4.2 against shared/fixtures/tiny-nudenet (-Derasure.fixtures.nudenet), every image of
 * golden.json → images, with the README's tolerances: preprocessing exact, post-processing of the
 * golden raw output exact (order, class, box, score bits), ONNX Runtime output abs 1e-3 (box rows)
 * and 1e-5 (score rows), end to end class/box/order exact and score within 1e-5.
 */
class NudeNetParityTest {
    private static final double BOX_ROWS_TOL = 1e-3;
    private static final double SCORE_ROWS_TOL = 1e-5;
    private static final double E2E_SCORE_TOL = 1e-5;

    private static Golden golden;
    private static NudeDetector detector;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.nudenet());
        detector = NudeDetector.load(golden.folder().resolve(golden.json().getAsJsonObject("model").get("file").getAsString()));
    }

    @AfterAll
    static void close() {
        detector.close();
        golden.close();
    }

    private static Map<String, JsonElement> images() {
        Map<String, JsonElement> m = new LinkedHashMap<>();
        golden.json().getAsJsonObject("images").entrySet().forEach(e -> m.put(e.getKey(), e.getValue()));
        assertTrue(!m.isEmpty(), "golden.json lists no images");
        return m;
    }

    private static BufferedImage image(JsonObject spec) {
        return ImageFiles.read(golden.folder().resolve(spec.get("file").getAsString()));
    }

    @Test
    void labelsAreTheFixtures() {
        JsonArray labels = golden.json().getAsJsonArray("labels");
        List<String> expected = new ArrayList<>();
        labels.forEach(l -> expected.add(l.getAsString()));
        assertEquals(expected, NudeDetector.LABELS);
    }

    @Test
    void preprocessingIsExact() {
        for (Map.Entry<String, JsonElement> e : images().entrySet()) {
            JsonObject spec = e.getValue().getAsJsonObject();
            NudeDetector.Input in = NudeDetector.preprocess(image(spec), detector.resolution());
            JsonObject read = spec.getAsJsonObject("read_image");
            assertEquals(read.get("x_pad").getAsInt(), in.xPad(), e.getKey() + " x_pad");
            assertEquals(read.get("y_pad").getAsInt(), in.yPad(), e.getKey() + " y_pad");
            String name = e.getKey() + ".input_u8";
            if (!golden.has(name)) {
                System.out.println(name + " not in the fixture: skipped");
                continue;
            }
            int[] expected = golden.tensor(name).toType(DataType.INT32, false).toIntArray();
            int differing = 0;
            for (int i = 0; i < expected.length; i++) if (expected[i] != in.bgrPlanes()[i]) differing++;
            assertEquals(0, differing, name + ": uint8 values differing from OpenCV (tolerance: exact)");
        }
    }

    @Test
    void postprocessingOfGoldenRawOutputIsExact() {
        for (Map.Entry<String, JsonElement> e : images().entrySet()) {
            JsonObject spec = e.getValue().getAsJsonObject();
            String name = e.getKey() + ".raw_output";
            if (!golden.has(name)) continue;
            JsonObject read = spec.getAsJsonObject("read_image");
            List<Detection> got = NudeDetector.postprocess(golden.tensor(name).toFloatArray(), spec.get("width").getAsInt(),
                    spec.get("height").getAsInt(), read.get("x_pad").getAsInt(), read.get("y_pad").getAsInt(), detector.resolution());
            assertDetections(e.getKey(), spec.getAsJsonArray("detections"), got, 0);
        }
    }

    @Test
    void onnxRuntimeEndToEnd() {
        for (Map.Entry<String, JsonElement> e : images().entrySet()) {
            JsonObject spec = e.getValue().getAsJsonObject();
            BufferedImage img = image(spec);
            String name = e.getKey() + ".raw_output";
            if (golden.has(name)) {
                float[] raw = detector.run(NudeDetector.preprocess(img, detector.resolution()).blob());
                float[] expected = golden.tensor(name).toFloatArray();
                assertEquals(expected.length, raw.length, name + " size");
                int anchors = expected.length / (4 + NudeDetector.LABELS.size());
                double box = 0;
                double score = 0;
                for (int i = 0; i < raw.length; i++) {
                    double d = Math.abs(raw[i] - expected[i]);
                    if (i < 4 * anchors) box = Math.max(box, d);
                    else score = Math.max(score, d);
                }
                System.out.printf("%s: box rows max abs diff %.3g (tolerance %.0e), score rows %.3g (tolerance %.0e)%n",
                        name, box, BOX_ROWS_TOL, score, SCORE_ROWS_TOL);
                assertTrue(box <= BOX_ROWS_TOL, name + " box rows max abs diff " + box + " exceeds " + BOX_ROWS_TOL);
                assertTrue(score <= SCORE_ROWS_TOL, name + " score rows max abs diff " + score + " exceeds " + SCORE_ROWS_TOL);
            }
            assertDetections(e.getKey() + " (ORT)", spec.getAsJsonArray("detections"), detector.detect(img), E2E_SCORE_TOL);
        }
    }

    private static void assertDetections(String what, JsonArray expected, List<Detection> got, double scoreTol) {
        assertEquals(expected.size(), got.size(), what + ": number of detections");
        for (int i = 0; i < got.size(); i++) {
            JsonObject x = expected.get(i).getAsJsonObject();
            Detection d = got.get(i);
            assertEquals(x.get("class").getAsString(), d.label(), what + " detection " + i + " class");
            assertEquals(x.get("class_id").getAsInt(), d.classId(), what + " detection " + i + " class id");
            JsonArray b = x.getAsJsonArray("box");
            assertArrayEquals(new int[] {b.get(0).getAsInt(), b.get(1).getAsInt(), b.get(2).getAsInt(), b.get(3).getAsInt()},
                    new int[] {d.x(), d.y(), d.width(), d.height()}, what + " detection " + i + " box");
            double diff = Math.abs(x.get("score").getAsDouble() - d.score());
            assertTrue(diff <= scoreTol, what + " detection " + i + " score diff " + diff + " exceeds " + scoreTol);
        }
    }

    @Test
    void nudityRateOfTheFixture() {
        JsonObject ner = golden.json().getAsJsonObject("ner_protocol");
        if (ner == null || !ner.has("on_this_fixture")) {
            System.out.println("fixture has no NER golden: skipped");
            return;
        }
        Set<String> exposed = new HashSet<>();
        ner.getAsJsonArray("exposed_labels").forEach(l -> exposed.add(l.getAsString()));
        assertEquals(NudityRate.EAP_EXPOSED, exposed, "EAP's exposed labels");
        List<List<Detection>> perImage = new ArrayList<>();
        for (JsonElement spec : images().values()) {
            List<Detection> ds = new ArrayList<>();
            for (JsonElement d : spec.getAsJsonObject().getAsJsonArray("detections")) {
                JsonObject o = d.getAsJsonObject();
                ds.add(new Detection(o.get("class").getAsString(), o.get("class_id").getAsInt(), o.get("score").getAsDouble(), 0, 0, 0, 0));
            }
            perImage.add(ds);
        }
        JsonObject on = ner.getAsJsonObject("on_this_fixture");
        int rows = on.get("n_rows").getAsInt();
        for (Map.Entry<String, JsonElement> t : on.getAsJsonObject("results").entrySet()) {
            double tau = Double.parseDouble(t.getKey());
            JsonObject r = t.getValue().getAsJsonObject();
            assertEquals(r.get("images_with_exposed_detection").getAsInt(), NudityRate.count(perImage, exposed, tau), "count at " + tau);
            assertEquals(r.get("NER_percent").getAsDouble(), NudityRate.percent(perImage, rows, exposed, tau), 1e-12, "NER at " + tau);
            Map<String, Integer> per = NudityRate.perLabel(perImage, exposed, tau);
            for (Map.Entry<String, JsonElement> l : r.getAsJsonObject("exposed_detections_per_label").entrySet()) {
                assertEquals(l.getValue().getAsInt(), per.get(l.getKey()), l.getKey() + " at " + tau);
            }
        }
    }

    @Test
    void badModelFilesAreRefusedByName(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("320n.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NudeDetector.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path corrupt = tmp.resolve("corrupt.onnx");
        Files.write(corrupt, new byte[] {1, 2, 3, 4, 5});
        e = assertThrows(IllegalArgumentException.class, () -> NudeDetector.load(corrupt));
        assertTrue(e.getMessage().contains(corrupt.toString()), e.getMessage());
        Path png = tmp.resolve("x.png");
        Files.write(png, new byte[] {9, 9, 9});
        e = assertThrows(IllegalArgumentException.class, () -> detector.detect(png));
        assertTrue(e.getMessage().contains(png.toString()), e.getMessage());
    }

    @Test
    void onePixelImageIsHandled() {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0xff8040);
        NudeDetector.Input in = NudeDetector.preprocess(one, detector.resolution());
        int plane = detector.resolution() * detector.resolution();
        assertEquals(0x40, in.bgrPlanes()[0], "blue plane first");
        assertEquals(0xff, in.bgrPlanes()[2 * plane + plane - 1], "red plane last (upscaled 1×1 is constant)");
        detector.detect(one);
    }
}
