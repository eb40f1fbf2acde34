package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIPImageProcessor parity: images.i.resized / .cropped bit-exact, processor.pixel_values within 1e-6. */
class ClipImageProcessorParityTest {
    private static final Pattern INPUT = Pattern.compile("images\\.(\\d+)");
    private static Golden golden;
    private static NDManager manager;
    private static ClipImageProcessor processor;

    @BeforeAll
    static void load() {
        golden = new Golden(Fixtures.tinyClip());
        manager = NDManager.newBaseManager();
        processor = ClipImageProcessor.fromFile(Fixtures.tinyClip().resolve("preprocessor_config.json"));
    }

    @AfterAll
    static void close() {
        manager.close();
        golden.close();
    }

    /** The input images in index order (entries named images.N). */
    private static List<RgbImage> inputs() {
        List<RgbImage> out = new ArrayList<>();
        for (String name : golden.entries().keySet()) {
            Matcher m = INPUT.matcher(name);
            if (!m.matches()) continue;
            assertEquals(out.size(), Integer.parseInt(m.group(1)), "image entries must be numbered in order");
            out.add(RgbImage.of(golden.tensor(name)));
        }
        assertTrue(out.size() > 0, "golden.json has no images.N entries");
        return out;
    }

    @Test
    void resizedAndCroppedImagesAreBitExact() {
        List<RgbImage> images = inputs();
        int compared = 0;
        for (Map.Entry<String, JsonObject> e : golden.entries().entrySet()) {
            String name = e.getKey();
            if (!name.matches("images\\.\\d+\\.(resized|cropped)")) continue;
            RgbImage in = images.get(Integer.parseInt(name.split("\\.")[1]));
            RgbImage resized = processor.resize(in);
            RgbImage actual = name.endsWith(".resized") ? resized : processor.centerCrop(resized);
            NDArray a = actual.toArray(manager);
            golden.assertClose(name, a, ClipTolerance.of(name, e.getValue().get("dtype").getAsString()));
            System.out.printf("%s %dx%d max abs diff %.3g (exact)%n", name, actual.height(), actual.width(),
                    Golden.maxAbsDiff(a, golden.tensor(name)));
            compared++;
        }
        assertTrue(compared > 0, "golden.json has no images.N.resized/cropped entries");
    }

    @Test
    void pixelValuesMatch() {
        String name = "processor.pixel_values";
        NDArray actual = processor.preprocess(manager, inputs());
        double tol = ClipTolerance.of(name, golden.entries().get(name).get("dtype").getAsString());
        golden.assertClose(name, actual, tol);
        System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name, Golden.maxAbsDiff(actual, golden.tensor(name)), tol);
    }

    @Test
    void bufferedImageInputGivesTheSamePixelValues() {
        List<BufferedImage> buffered = new ArrayList<>();
        for (RgbImage img : inputs()) buffered.add(img.toBufferedImage());
        assertArrayEquals(processor.preprocess(manager, inputs()).toFloatArray(),
                processor.preprocessImages(manager, buffered).toFloatArray());
    }

    @Test
    void shortSideResizeTruncatesTheLongSide() {
        assertArrayEquals(new int[] {45, 32}, new ClipImageProcessor(32, 32, 32).resizedSize(64, 45));
        assertArrayEquals(new int[] {32, 53}, new ClipImageProcessor(32, 32, 32).resizedSize(24, 40));
    }

    @Test
    void sameSizeResizeIsACopyAndSmallImagesArePadded() {
        RgbImage img = inputs().get(0);
        RgbImage same = PilResize.resize(img, img.height(), img.width());
        assertArrayEquals(img.rgb(), same.rgb());
        RgbImage tiny = new RgbImage(1, 1, new byte[] {10, 20, 30});
        RgbImage padded = new ClipImageProcessor(1, 3, 3).centerCrop(tiny);
        assertEquals(10, padded.at(1, 1, 0));
        assertEquals(0, padded.at(0, 0, 0));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> RgbImage.of(manager.create(new float[] {300f, 0f, 0f}).reshape(1, 1, 3)));
        assertThrows(IllegalArgumentException.class, () -> processor.preprocess(manager, List.of()));
        JsonObject o = new JsonObject();
        o.addProperty("resample", 2);
        assertThrows(IllegalArgumentException.class, () -> ClipImageProcessor.fromJson(o, "test"));
    }
}
