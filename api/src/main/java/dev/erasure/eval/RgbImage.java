package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.eval.judge.ImageFiles;

import java.awt.image.BufferedImage;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;

/**
 * An 8-bit RGB image, channels last (H,W,3), values 0..255 stored as unsigned bytes: the form
 * the CLIP processor works in (PIL resizes the uint8 image, so intermediates stay uint8).
 */
public record RgbImage(int height, int width, byte[] rgb) {

    public RgbImage {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        if (rgb.length != 3L * height * width) {
            throw new IllegalArgumentException("RGB buffer has " + rgb.length + " bytes, expected 3·" + height + "·" + width);
        }
    }

    /** The value 0..255 at row y, column x, channel c. */
    public int at(int y, int x, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /**
     * The h×w window whose top-left corner is (top, left) in this image; pixels outside the image
     * read 0, as the processors' center crops pad a too-small image.
     */
    public RgbImage crop(int top, int left, int h, int w) {
        byte[] out = new byte[3 * h * w];
        for (int y = 0; y < h; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= height) continue;
            for (int x = 0; x < w; x++) {
                int sx = x + left;
                if (sx < 0 || sx >= width) continue;
                System.arraycopy(rgb, (sy * width + sx) * 3, out, (y * w + x) * 3, 3);
            }
        }
        return new RgbImage(h, w, out);
    }

    /**
     * A BufferedImage as RGB, like PIL's convert("RGB"): alpha is dropped (not composited), grey
     * images are replicated to three channels from the raw raster (getRGB would apply a gamma curve).
     */
    public static RgbImage of(BufferedImage img) {
        if (img == null) throw new IllegalArgumentException("image is null");
        return new RgbImage(img.getHeight(), img.getWidth(), ImageFiles.rgb(img));
    }

    /** An integer-valued [H,W,3] array (uint8, or any type holding 0..255) as an image. */
    public static RgbImage of(NDArray hwc) {
        Shape s = hwc.getShape();
        if (s.dimension() != 3 || s.get(2) != 3) throw new IllegalArgumentException("image array must be [H,W,3], got " + s);
        int[] v = hwc.toType(DataType.INT32, false).toIntArray();
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > 255) throw new IllegalArgumentException("image value " + v[i] + " outside 0..255 at index " + i);
            out[i] = (byte) v[i];
        }
        return new RgbImage((int) s.get(0), (int) s.get(1), out);
    }

    /** This image as a uint8 [H,W,3] array. */
    public NDArray toArray(NDManager manager) {
        return manager.create(ByteBuffer.wrap(rgb), new Shape(height, width, 3), DataType.UINT8);
    }

    /** This image as a TYPE_INT_RGB BufferedImage ({@link #of(BufferedImage)} reads it back unchanged). */
    public BufferedImage toBufferedImage() {
        BufferedImage b = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) b.setRGB(x, y, at(y, x, 0) << 16 | at(y, x, 1) << 8 | at(y, x, 2));
        }
        return b;
    }
}
