package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.eval.PilResize;
import dev.erasure.eval.RgbImage;

/**
 * The two ways FID images reach the Inception (shared/fixtures/tiny-fid README, "What T2IBenchmark
 * actually does"): T2IBenchmark's (the AdvUnlearn / UnlearnDiffAtk numbers) centre-crops a square
 * (floor offsets), resizes it to 299 with PIL's antialiased bicubic on uint8, then v/255 and 2x − 1;
 * pytorch-fid's stretches the float image to 299×299 with torch's bilinear interpolation
 * (align_corners=False, no antialias), then 2x − 1.
 */
public enum FidPreprocess {
    T2I_BENCHMARK, PYTORCH_FID;

    public static final int SIZE = 299;

    /** T2IBenchmark's uint8 299×299 image: square centre crop, then PIL bicubic. */
    public static RgbImage t2iResized(RgbImage img) {
        int s = Math.min(img.height(), img.width());
        RgbImage square = img.crop((img.height() - s) / 2, (img.width() - s) / 2, s, s);
        return PilResize.resize(square, SIZE, SIZE, PilResize.Filter.BICUBIC);
    }

    /** The model input [1,3,299,299] in [-1,1] for one image. */
    public NDArray input(NDManager m, RgbImage img) {
        if (this == T2I_BENCHMARK) return unit(m, t2iResized(img)).mul(2f).sub(1f);
        return m.create(bilinear(img), new Shape(1, 3, SIZE, SIZE)).mul(2f).sub(1f);
    }

    /**
     * torch 1.13's {@code F.interpolate(x/255, (299,299), mode='bilinear', align_corners=False)}, in Java
     * (tiny-fid README: within 1 ulp of torch's kernel): scale = float32(in)/float32(out), source
     * (double)scale·(i+0.5) − 0.5 clamped at 0, neighbours i0 = floor, i1 = min(i0+1, in−1), float32
     * weights λ1 = src − i0, λ0 = 1 − λ1; λ0h·(λ0w·a + λ1w·b) + λ1h·(λ0w·c + λ1w·d). DJL's own
     * interpolation is not used: on downscaling it differs from torch's (0.45 in the features, measured).
     */
    private static float[] bilinear(RgbImage img) {
        int h = img.height();
        int w = img.width();
        int[] y0 = new int[SIZE];
        int[] y1 = new int[SIZE];
        float[] ly = new float[SIZE];
        int[] x0 = new int[SIZE];
        int[] x1 = new int[SIZE];
        float[] lx = new float[SIZE];
        taps(h, y0, y1, ly);
        taps(w, x0, x1, lx);
        float[] out = new float[3 * SIZE * SIZE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                float l1h = ly[y];
                float l0h = 1f - l1h;
                for (int x = 0; x < SIZE; x++) {
                    float l1w = lx[x];
                    float l0w = 1f - l1w;
                    float a = img.at(y0[y], x0[x], c) / 255f;
                    float b = img.at(y0[y], x1[x], c) / 255f;
                    float cc = img.at(y1[y], x0[x], c) / 255f;
                    float d = img.at(y1[y], x1[x], c) / 255f;
                    out[(c * SIZE + y) * SIZE + x] = l0h * (l0w * a + l1w * b) + l1h * (l0w * cc + l1w * d);
                }
            }
        }
        return out;
    }

    private static void taps(int in, int[] i0, int[] i1, float[] lambda1) {
        float scale = (float) in / (float) SIZE;
        for (int i = 0; i < SIZE; i++) {
            double src = Math.max(0, (double) scale * (i + 0.5) - 0.5);
            i0[i] = (int) Math.floor(src);
            i1[i] = Math.min(i0[i] + 1, in - 1);
            lambda1[i] = (float) (src - i0[i]);
        }
    }

    /** ToTensor: float32 v/255, channels first, [1,3,H,W]. */
    private static NDArray unit(NDManager m, RgbImage img) {
        int h = img.height();
        int w = img.width();
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = img.at(y, x, c) / 255f;
            }
        }
        return m.create(out, new Shape(1, 3, h, w));
    }
}
