package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;

/** Conversions between model tensors in [-1,1] and Java images. */
public final class Images {
    private Images() {
    }

    /**
     * [3,H,W] (or [1,3,H,W]) in [-1,1] to an RGB image, mapped as the pipeline does:
     * clamp(x/2 + 0.5, 0, 1), then ×255 rounded. A 1-channel tensor gives a grey image.
     */
    public static BufferedImage toImage(NDArray chw) {
        NDArray x = chw.getShape().dimension() == 4 ? chw.get(0) : chw;
        Shape s = x.getShape();
        int c = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        float[] v = x.toType(DataType.FLOAT32, false).div(2).add(0.5f).clip(0, 1).toFloatArray();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int i = y * w + xx;
                int r = byteOf(v[i]);
                int g = c > 1 ? byteOf(v[plane + i]) : r;
                int b = c > 2 ? byteOf(v[2 * plane + i]) : r;
                img.setRGB(xx, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static int byteOf(float f) {
        return Math.round(f * 255f);
    }

    /** An RGB image to [1,3,H,W] float32 in [-1,1] (the VAE encoder's input range). */
    public static NDArray fromImage(NDManager manager, BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] v = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int i = y * w + x;
                v[i] = ((rgb >> 16) & 0xFF) / 127.5f - 1f;
                v[h * w + i] = ((rgb >> 8) & 0xFF) / 127.5f - 1f;
                v[2 * h * w + i] = (rgb & 0xFF) / 127.5f - 1f;
            }
        }
        return manager.create(v, new Shape(1, 3, h, w));
    }
}
