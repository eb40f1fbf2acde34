package dev.erasure.eval.judge;

import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance of pytorch-fid's calculate_frechet_distance (= T2IBenchmark's
 * frechet_distance): |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2). Only the trace of the square root
 * enters, which is Σ Re √λ_i over the eigenvalues of Σ1Σ2 (EJML's general eigen decomposition, no
 * hand-written eigen code); zero or slightly negative eigenvalues of a singular product add
 * Re √λ ≈ 0, as the real part of scipy's complex sqrtm does. The reference adds 1e-6 to both
 * diagonals (inside the square root only) when scipy's sqrtm returns non-finite values, an internal
 * property of its Schur recursion that a port cannot predict; shared/fixtures/tiny-fid README
 * observed it only when some feature has exactly zero variance in one set, so this port takes
 * that branch exactly then (fewer images than dimensions alone does not: the fixture's singular
 * Inception sets take the direct branch).
 */
public final class FrechetDistance {
    /** The reference's diagonal offset for a singular product. */
    public static final double EPS = 1e-6;

    private FrechetDistance() {
    }

    /** diff·diff in double; the reference computes it in float32 when both means are float32 (2.8e-9 apart on the fixture). */
    public static double of(double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
        int d = mu1.length;
        if (mu2.length != d || sigma1.length != d || sigma2.length != d) {
            throw new IllegalArgumentException("mean/covariance sizes differ: " + d + ", " + mu2.length + ", "
                    + sigma1.length + ", " + sigma2.length);
        }
        double diff = 0;
        for (int i = 0; i < d; i++) diff += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
        DMatrixRMaj s1 = new DMatrixRMaj(sigma1);
        DMatrixRMaj s2 = new DMatrixRMaj(sigma2);
        double trace = CommonOps_DDRM.trace(s1) + CommonOps_DDRM.trace(s2);
        boolean offset = hasConstantFeature(s1) || hasConstantFeature(s2);
        return diff + trace - 2 * traceSqrtOfProduct(s1, s2, offset ? EPS : 0);
    }

    /** A zero on the diagonal: a feature with exactly zero variance (e.g. a dead ReLU). */
    private static boolean hasConstantFeature(DMatrixRMaj s) {
        for (int i = 0; i < s.numRows; i++) if (s.get(i, i) == 0) return true;
        return false;
    }

    /** tr √((Σ1+εI)(Σ2+εI)) = Σ Re √λ over the product's eigenvalues. */
    static double traceSqrtOfProduct(DMatrixRMaj s1, DMatrixRMaj s2, double eps) {
        int d = s1.numRows;
        DMatrixRMaj a = s1.copy();
        DMatrixRMaj b = s2.copy();
        for (int i = 0; i < d; i++) {
            a.add(i, i, eps);
            b.add(i, i, eps);
        }
        DMatrixRMaj p = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(a, b, p);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, false);
        if (!eig.decompose(p)) throw new IllegalStateException("eigen decomposition of the covariance product failed");
        double sum = 0;
        for (int i = 0; i < d; i++) {
            Complex_F64 l = eig.getEigenvalue(i);
            sum += sqrtReal(l.real, l.imaginary);
        }
        return sum;
    }

    /** Re √(x + iy), principal branch. */
    private static double sqrtReal(double x, double y) {
        double r = Math.hypot(x, y);
        return Math.sqrt((r + x) / 2);
    }
}
