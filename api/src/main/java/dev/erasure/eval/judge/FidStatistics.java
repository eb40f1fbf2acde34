package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** Writes mu [d] and sigma [d,d] (float64; a float32 mean is exact in it) atomically, with string metadata. */
    public void save(Path file, Map<String, String> metadata) {
        int d = mu.length;
        double[] flat = new double[d * d];
        for (int i = 0; i < d; i++) System.arraycopy(sigma[i], 0, flat, i * d, d);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("mu", m.create(mu));
            t.put("sigma", m.create(flat, new Shape(d, d)));
            Safetensors.save(file, t, metadata);
        }
    }

    /** Reads what {@link #save} wrote; a file without mu/sigma of matching sizes is an error naming it. */
    public static FidStatistics load(Path file) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = Safetensors.load(file, m);
            NDArray mu = t.get("mu");
            NDArray sigma = t.get("sigma");
            if (mu == null || sigma == null || mu.getShape().dimension() != 1
                    || !sigma.getShape().equals(new Shape(mu.getShape().get(0), mu.getShape().get(0)))) {
                throw new WeightException(file + " is not an FID statistics file (needs mu [d] and sigma [d,d])");
            }
            int d = (int) mu.getShape().get(0);
            double[] flat = sigma.toType(DataType.FLOAT64, true).toDoubleArray();
            double[][] s = new double[d][d];
            for (int i = 0; i < d; i++) System.arraycopy(flat, i * d, s[i], 0, d);
            return new FidStatistics(mu.toType(DataType.FLOAT64, true).toDoubleArray(), s);
        }
    }
}
