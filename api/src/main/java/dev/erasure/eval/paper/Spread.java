package dev.erasure.eval.paper;

/**
 * Mean ± std as the papers' notebooks print them: numpy's {@code mean} and {@code std} with its default
 * ddof = 0 (the papers do not say; the record says which). NaN values are left out; none left gives NaN.
 */
record Spread(double mean, double std, int n) {
    static final String CONVENTION = "numpy mean and std (ddof 0) over the values, NaN left out";

    static Spread of(double[] values) {
        double sum = 0;
        int n = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        if (n == 0) return new Spread(Double.NaN, Double.NaN, 0);
        double mean = sum / n;
        double sq = 0;
        for (double v : values) if (!Double.isNaN(v)) sq += (v - mean) * (v - mean);
        return new Spread(mean, Math.sqrt(sq / n), n);
    }
}
