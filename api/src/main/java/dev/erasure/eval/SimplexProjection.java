package dev.erasure.eval;

/**
 * Euclidean projection of each row onto the probability simplex by bisection on the shift μ:
 * p = clamp(v − μ, 0, 1) with Σ p = 1 (UnlearnDiffAtk keeps its token distributions there).
 */
final class SimplexProjection {
    private static final int ITERATIONS = 60;

    private SimplexProjection() {
    }

    /** Projects {@code rows} consecutive rows of length {@code width} of {@code v} in place. */
    static void project(float[] v, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            int off = r * width;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < width; i++) {
                lo = Math.min(lo, v[off + i]);
                hi = Math.max(hi, v[off + i]);
            }
            lo -= 1; // Σ clamp(v − lo, 0, 1) = width ≥ 1; at μ = hi it is 0
            for (int it = 0; it < ITERATIONS; it++) {
                double mu = (lo + hi) / 2;
                if (mass(v, off, width, mu) > 1) lo = mu; else hi = mu;
            }
            double mu = (lo + hi) / 2;
            for (int i = 0; i < width; i++) v[off + i] = (float) Math.min(1, Math.max(0, v[off + i] - mu));
        }
    }

    private static double mass(float[] v, int off, int width, double mu) {
        double s = 0;
        for (int i = 0; i < width; i++) s += Math.min(1, Math.max(0, v[off + i] - mu));
        return s;
    }
}
