package dev.erasure.eval.judge;

/**
 * cv2.resize(src, (n, n), INTER_LINEAR) on a square 8-bit image, bit for bit (OpenCV 4.6–4.9,
 * shared/fixtures/tiny-nudenet README "Resize"): 11-bit fixed-point weights, the horizontal pass
 * in int, and the vertical pass as OpenCV's SIMD loop computes it (each product shifted before the
 * sum, which differs from the exact-looking scalar formula in ~25 % of pixels). An exact 2×
 * downscale takes OpenCV's INTER_AREA fast path instead. Works on one channel plane at a time.
 */
final class OpenCvResize {
    private static final int ONE = 2048;

    private OpenCvResize() {
    }

    /** Resizes a square plane of side {@code s} to side {@code n}. */
    static int[] linear(int[] src, int s, int n) {
        if (s == n) return src.clone();
        if (s == 2 * n) return halve(src, n);
        double scale = 1.0 / (n / (double) s);
        int[] xofs = new int[n];
        int[] a0 = new int[n];
        int[] a1 = new int[n];
        int xmax = n;
        for (int dx = 0; dx < n; dx++) {
            float fx = (float) ((dx + 0.5) * scale - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx + 1 >= s) {
                xmax = Math.min(xmax, dx);
                if (sx >= s - 1) {
                    fx = 0;
                    sx = s - 1;
                }
            }
            xofs[dx] = sx;
            a0[dx] = (int) Math.rint((1f - fx) * ONE);
            a1[dx] = (int) Math.rint(fx * ONE);
        }
        int[][] rows = new int[s][];
        int[] out = new int[n * n];
        for (int dy = 0; dy < n; dy++) {
            float fy = (float) ((dy + 0.5) * scale - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            int b0 = (int) Math.rint((1f - fy) * ONE);
            int b1 = (int) Math.rint(fy * ONE);
            int y0 = clamp(sy, s);
            int y1 = clamp(sy + 1, s);
            int[] h0 = horizontal(rows, src, s, y0, xofs, a0, a1, xmax);
            int[] h1 = horizontal(rows, src, s, y1, xofs, a0, a1, xmax);
            for (int dx = 0; dx < n; dx++) {
                int v = ((((h0[dx] >> 4) * b0) >> 16) + (((h1[dx] >> 4) * b1) >> 16) + 2) >> 2;
                out[dy * n + dx] = Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }

    private static int[] horizontal(int[][] cache, int[] src, int s, int y, int[] xofs, int[] a0, int[] a1, int xmax) {
        if (cache[y] != null) return cache[y];
        int n = xofs.length;
        int[] h = new int[n];
        int base = y * s;
        for (int dx = 0; dx < n; dx++) {
            int sx = xofs[dx];
            h[dx] = dx < xmax ? src[base + sx] * a0[dx] + src[base + sx + 1] * a1[dx] : src[base + sx] * ONE;
        }
        cache[y] = h;
        return h;
    }

    /** INTER_AREA's fast path for an exact 2× reduction: (a+b+c+d+2)>>2. */
    private static int[] halve(int[] src, int n) {
        int s = 2 * n;
        int[] out = new int[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int i = 2 * y * s + 2 * x;
                out[y * n + x] = (src[i] + src[i + 1] + src[i + s] + src[i + s + 1] + 2) >> 2;
            }
        }
        return out;
    }

    private static int clamp(int v, int s) {
        return Math.max(0, Math.min(s - 1, v));
    }
}
