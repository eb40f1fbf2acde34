package dev.erasure.eval.judge;

/**
 * The statistics FID compares, as T2IBenchmark's FIDStats.from_features computes them from
 * float32 Inception features [N, d]: μ = np.mean(features, axis=0), a float32 running sum over the
 * rows divided in float32; Σ = np.cov(features, rowvar=False), float64 with ddof 1.
 */
public record FidStatistics(double[] mu, double[][] sigma) {

    public static FidStatistics of(float[][] features) {
        int n = features.length;
        if (n < 2) throw new IllegalArgumentException("a covariance needs at least two images, got " + n);
        int d = features[0].length;
        float[] sum = new float[d];
        for (float[] row : features) {
            if (row.length != d) throw new IllegalArgumentException("feature rows differ in length: " + row.length + " vs " + d);
            for (int j = 0; j < d; j++) sum[j] += row[j];
        }
        double[] mu = new double[d];
        for (int j = 0; j < d; j++) mu[j] = sum[j] / (float) n;
        // np.cov centres with the float64 mean of the upcast data
        double[] mean64 = new double[d];
        for (float[] row : features) for (int j = 0; j < d; j++) mean64[j] += row[j];
        for (int j = 0; j < d; j++) mean64[j] /= n;
        double[][] sigma = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double s = 0;
                for (float[] row : features) s += (row[a] - mean64[a]) * (row[b] - mean64[b]);
                sigma[a][b] = s / (n - 1);
                sigma[b][a] = sigma[a][b];
            }
        }
        return new FidStatistics(mu, sigma);
    }

    /** The Fréchet distance to another set's statistics. */
    public double distance(FidStatistics other) {
        return FrechetDistance.of(mu, sigma, other.mu, other.sigma);
    }
}
