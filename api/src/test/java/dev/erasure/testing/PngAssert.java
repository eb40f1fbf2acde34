package dev.erasure.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A written chart is a complete PNG: it decodes and ends with the IEND chunk. */
public final class PngAssert {
    private PngAssert() {
    }

    public static BufferedImage valid(Path png) throws Exception {
        byte[] bytes = Files.readAllBytes(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " does not decode");
        assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
        String tail = new String(Arrays.copyOfRange(bytes, bytes.length - 8, bytes.length - 4), StandardCharsets.US_ASCII);
        assertEquals("IEND", tail, png + " is truncated (no IEND chunk at the end)");
        return img;
    }
}
