package dev.erasure.eval.judge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image files as the judges' reference code reads them (PIL convert("RGB"), cv2.imread IMREAD_COLOR): a palette
 * PNG looked up, grey replicated without gamma, alpha dropped rather than composited, a 1×1 image read;
 * a non-image file and an empty folder are refused naming them.
 */
class ImageFilesTest {
    @Test
    void paletteGreyAlphaAndOnePixel(@TempDir Path dir) throws Exception {
        byte[] r = {(byte) 200, 10}, g = {(byte) 100, 20}, b = {(byte) 50, 30};
        BufferedImage palette = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, r, g, b));
        palette.getRaster().setSample(0, 0, 0, 0);
        palette.getRaster().setSample(1, 0, 0, 1);
        assertArrayEquals(new byte[] {(byte) 200, 100, 50, 10, 20, 30}, ImageFiles.rgb(roundTrip(palette, dir, "palette.png")));

        BufferedImage grey = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 77);
        assertArrayEquals(new byte[] {77, 77, 77}, ImageFiles.rgb(roundTrip(grey, dir, "grey.png")), "grey, 1×1, no gamma");

        BufferedImage alpha = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        alpha.setRGB(0, 0, (0x00 << 24) | (10 << 16) | (20 << 8) | 30); // fully transparent
        assertArrayEquals(new byte[] {10, 20, 30}, ImageFiles.rgb(roundTrip(alpha, dir, "alpha.png")), "alpha dropped, not composited");

        Path text = Files.writeString(dir.resolve("not-an-image.png"), "hello");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ImageFiles.read(text));
        assertTrue(bad.getMessage().contains(text.toString()), bad.getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ImageFiles.list(empty));
        assertTrue(none.getMessage().contains(empty.toString()), none.getMessage());
    }

    private static BufferedImage roundTrip(BufferedImage img, Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        assertTrue(ImageIO.write(img, "png", f.toFile()));
        return ImageFiles.read(f);
    }
}
