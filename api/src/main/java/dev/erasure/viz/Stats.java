package dev.erasure.viz;

import java.util.List;

/** The few statistics the charts need. */
final class Stats {
    private Stats() {
    }

    record Histogram(double[] edges, int[] counts) {
    }

    static double mean(List<Double> v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.size();
    }

    /** Sample standard deviation (n−1, as pandas); 0 for fewer than two values. */
    static double sampleStd(List<Double> v) {
        if (v.size() < 2) return 0;
        double m = mean(v);
        double s = 0;
        for (double d : v) s += (d - m) * (d - m);
        return Math.sqrt(s / (v.size() - 1));
    }

    /** Equal-width bins over [min, max] (numpy's rule: the last bin includes max); NaN values ignored. */
    /**
     * Trailing running mean over {@code window} values (fewer at the start): per-step erasure losses
     * jump by orders of magnitude with the sampled timestep, so a raw curve shows noise, not a trend.
     */
    static double[] runningMean(double[] v, int window) {
        if (window < 1) throw new IllegalArgumentException("window must be ≥ 1, got " + window);
        double[] out = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            if (i >= window) sum -= v[i - window];
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    static Histogram histogram(double[] values, int bins) {
        if (bins < 1) throw new IllegalArgumentException("bins must be ≥ 1, got " + bins);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (lo > hi) throw new IllegalArgumentException("histogram of no (non-NaN) values");
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        double[] edges = new double[bins + 1];
        for (int b = 0; b <= bins; b++) edges[b] = lo + (hi - lo) * b / bins;
        int[] counts = new int[bins];
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            counts[Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins))]++;
        }
        return new Histogram(edges, counts);
    }
}
