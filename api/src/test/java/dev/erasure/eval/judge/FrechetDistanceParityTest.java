package dev.erasure.eval.judge;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Fréchet distance alone against shared/fixtures/tiny-fid (-Derasure.fixtures.fid): every
 * golden.json → frechet_cases entry (a well-conditioned case and one whose product is singular, so
 * the 1e-6 offset branch runs), each within golden.json's suggested_abs_tol for its value.
 */
class FrechetDistanceParityTest {
    private static Golden golden;

    @BeforeAll
    static void open() {
        golden = new Golden(Fixtures.fid());
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    @Test
    void everyFrechetCase() {
        JsonObject cases = golden.json().getAsJsonObject("frechet_cases");
        int compared = 0;
        for (Map.Entry<String, JsonElement> e : cases.entrySet()) {
            String p = "frechet." + e.getKey() + ".";
            if (!golden.has(p + "value") || !golden.has(p + "sigma1")) continue;
            double expected = golden.tensor(p + "value").toDoubleArray()[0];
            double tol = golden.entries().get(p + "value").get("suggested_abs_tol").getAsDouble();
            double got = FrechetDistance.of(vec(p + "mu1"), mat(p + "sigma1"), vec(p + "mu2"), mat(p + "sigma2"));
            System.out.printf("%svalue %.15g vs %.15g, diff %.3g (tolerance %.0e)%n", p, got, expected, Math.abs(got - expected), tol);
            assertTrue(Math.abs(got - expected) <= tol, p + "value " + got + " vs " + expected + " exceeds " + tol);
            compared++;
        }
        assertTrue(compared > 0, "golden.json lists no Fréchet cases");
    }

    /** Statistics from stored features: every "<set>.features" golden with its mu/sigma, within suggested_abs_tol. */
    @Test
    void statisticsFromFeatures() {
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            if (!name.startsWith("fid.") && !name.startsWith("frechet.")) continue;
            String mu;
            String sigma;
            if (name.endsWith(".features")) {
                String base = name.substring(0, name.length() - ".features".length());
                mu = base + ".mu";
                sigma = base + ".sigma";
            } else if (name.matches("frechet\\.[^.]+\\.features\\d")) {
                String k = name.substring(name.length() - 1);
                String base = name.substring(0, name.lastIndexOf('.'));
                mu = base + ".mu" + k;
                sigma = base + ".sigma" + k;
            } else {
                continue;
            }
            if (!golden.has(mu) || !golden.has(sigma)) continue;
            var t = golden.tensor(name);
            int n = (int) t.getShape().get(0);
            int d = (int) t.getShape().get(1);
            float[] v = t.toFloatArray();
            float[][] f = new float[n][d];
            for (int i = 0; i < n; i++) System.arraycopy(v, i * d, f[i], 0, d);
            FidStatistics s = FidStatistics.of(f);
            check(mu, vec(mu), s.mu());
            double[][] g = mat(sigma);
            double[] flatG = new double[d * d];
            double[] flatS = new double[d * d];
            for (int i = 0; i < d; i++) {
                System.arraycopy(g[i], 0, flatG, i * d, d);
                System.arraycopy(s.sigma()[i], 0, flatS, i * d, d);
            }
            check(sigma, flatG, flatS);
            compared++;
        }
        assertTrue(compared > 0, "golden.json has no features with statistics");
        Assertions.assertThrows(IllegalArgumentException.class, () -> FidStatistics.of(new float[1][3]));
    }

    private static void check(String name, double[] expected, double[] actual) {
        // suggested_abs_tol, at least 1e-12: 0 marks a stored input, and np.cov's BLAS dot sums in another order
        double tol = Math.max(1e-12, golden.entries().get(name).get("suggested_abs_tol").getAsDouble());
        double worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name, worst, tol);
        assertTrue(worst <= tol, name + " max abs diff " + worst + " exceeds " + tol);
    }

    private static double[] vec(String name) {
        return golden.tensor(name).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[][] mat(String name) {
        var t = golden.tensor(name);
        int d = (int) t.getShape().get(0);
        double[] v = t.toDoubleArray();
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) System.arraycopy(v, i * d, m[i], 0, d);
        return m;
    }
}
