package dev.erasure.erase;

import dev.erasure.train.Mt19937;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * scikit-learn's {@code KMeans(n_clusters=K, random_state=seed)} on 1-D data, re-implemented
 * step by step so the EAP candidate set (methods.md §2.1 step 4) comes out the same:
 * data centred on its mean; greedy k-means++ with {@code 2 + ⌊ln K⌋} local trials drawing from
 * numpy's MT19937 {@code RandomState(seed)}; Lloyd iterations (max 300) that stop on unchanged
 * labels or when the squared centre shift is ≤ 1e-4·var(x); empty clusters relocated to the
 * points farthest from their centre; a final relabelling when not strictly converged.
 *
 * <p>Defaults follow scikit-learn ≥ 1.4 ({@code n_init="auto"} = 1 run for k-means++, first
 * centre from {@code choice(n, p=uniform)}). {@link #fit(double[], int, long, int, boolean)}
 * reproduces older versions: {@code nInit = 10} (&lt; 1.4) and {@code legacyFirstCentre}
 * ({@code randint(n)}, &lt; 1.3). Known deviations: sums are taken sequentially, whereas numpy
 * and BLAS use pairwise/blocked summation and scikit-learn accumulates per 256-sample chunk, so
 * centres can differ in the last bits (≈1e-15 relative), which flips a label only for a point
 * exactly between two centres; the empty-cluster relocation picks the farthest points in
 * descending order where numpy's argpartition order is unspecified.
 */
public final class KMeans1D {
    private static final int MAX_ITER = 300;
    private static final double TOL = 1e-4;

    /** @param centres cluster centres (in the input's scale), labels per point, inertia, Lloyd iterations */
    public record Result(double[] centres, int[] labels, double inertia, int iterations) {
    }

    private KMeans1D() {
    }

    /** scikit-learn ≥ 1.4 defaults. */
    public static Result fit(double[] x, int k, long randomState) {
        return fit(x, k, randomState, 1, false);
    }

    public static Result fit(double[] x, int k, long randomState, int nInit, boolean legacyFirstCentre) {
        int n = x.length;
        if (k <= 0 || k > n) throw new IllegalArgumentException("n_clusters=" + k + " must be in [1, " + n + "]");
        double mean = 0;
        for (double v : x) mean += v;
        mean /= n;
        double[] xc = new double[n];
        double var = 0;
        for (int i = 0; i < n; i++) {
            xc[i] = x[i] - mean;
        }
        for (double v : xc) var += v * v;
        double tol = var / n * TOL;
        Mt19937 rng = new Mt19937(randomState);
        Result best = null;
        for (int run = 0; run < nInit; run++) {
            double[] init = kmeansPlusPlus(xc, k, rng, legacyFirstCentre);
            Result r = lloyd(xc, init, tol);
            if (best == null || r.inertia() < best.inertia()) best = r;
        }
        double[] centres = best.centres().clone();
        for (int j = 0; j < k; j++) centres[j] += mean;
        return new Result(centres, best.labels(), best.inertia(), best.iterations());
    }

    /** sklearn's squared euclidean distance of 1-D points: (−2·c·x + c²) + x², clipped at 0. */
    private static double dist(double c, double x) {
        double d = -2 * c * x;
        d += c * c;
        d += x * x;
        return Math.max(d, 0);
    }

    private static double[] kmeansPlusPlus(double[] x, int k, Mt19937 rng, boolean legacy) {
        int n = x.length;
        int trials = 2 + (int) Math.log(k);
        double[] centres = new double[k];
        int first;
        if (legacy) {
            first = (int) rng.randint(n);
        } else {
            double[] cdf = new double[n];
            double acc = 0;
            for (int i = 0; i < n; i++) cdf[i] = acc += 1.0 / n;
            double last = cdf[n - 1];
            for (int i = 0; i < n; i++) cdf[i] /= last;
            first = searchSorted(cdf, rng.randomSample(), true);
        }
        centres[0] = x[first];
        double[] closest = new double[n];
        double pot = 0;
        for (int i = 0; i < n; i++) {
            closest[i] = dist(x[first], x[i]);
            pot += closest[i];
        }
        double[] cum = new double[n];
        for (int c = 1; c < k; c++) {
            double acc = 0;
            for (int i = 0; i < n; i++) cum[i] = acc += closest[i];
            int[] cand = new int[trials];
            for (int t = 0; t < trials; t++) {
                double r = rng.randomSample() * pot;
                cand[t] = Math.min(searchSorted(cum, r, false), n - 1);
            }
            int bestT = -1;
            double bestPot = 0;
            double[] bestDist = null;
            for (int t = 0; t < trials; t++) {
                double[] d = new double[n];
                double p = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = Math.min(closest[i], dist(x[cand[t]], x[i]));
                    p += d[i];
                }
                if (bestT < 0 || p < bestPot) {
                    bestT = t;
                    bestPot = p;
                    bestDist = d;
                }
            }
            pot = bestPot;
            closest = bestDist;
            centres[c] = x[cand[bestT]];
        }
        return centres;
    }

    /** numpy searchsorted: side left = first i with a[i] ≥ v; right = first i with a[i] &gt; v. */
    private static int searchSorted(double[] a, double v, boolean right) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (right ? a[mid] <= v : a[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static Result lloyd(double[] x, double[] init, double tol) {
        int n = x.length;
        int k = init.length;
        double[] centres = init.clone();
        int[] labels = new int[n];
        int[] old = new int[n];
        Arrays.fill(old, -1);
        boolean strict = false;
        int iter = 0;
        for (; iter < MAX_ITER; iter++) {
            double[] next = new double[k];
            double[] weight = new double[k];
            assign(x, centres, labels);
            for (int i = 0; i < n; i++) {
                weight[labels[i]] += 1;
                next[labels[i]] += x[i];
            }
            relocateEmpty(x, centres, labels, next, weight);
            double shift = 0;
            for (int j = 0; j < k; j++) {
                if (weight[j] > 0) next[j] /= weight[j];
                double s = next[j] - centres[j];
                shift += s * s;
            }
            centres = next;
            if (Arrays.equals(labels, old)) {
                strict = true;
                iter++;
                break;
            }
            if (shift <= tol) {
                iter++;
                break;
            }
            System.arraycopy(labels, 0, old, 0, n);
        }
        if (!strict) assign(x, centres, labels);
        double inertia = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - centres[labels[i]];
            inertia += d * d;
        }
        return new Result(centres, labels, inertia, iter);
    }

    /** Labels by sklearn's Lloyd distance c² − 2·x·c, first centre wins ties. */
    private static void assign(double[] x, double[] centres, int[] labels) {
        for (int i = 0; i < x.length; i++) {
            int best = 0;
            double bestD = centres[0] * centres[0] - 2 * x[i] * centres[0];
            for (int j = 1; j < centres.length; j++) {
                double d = centres[j] * centres[j] - 2 * x[i] * centres[j];
                if (d < bestD) {
                    bestD = d;
                    best = j;
                }
            }
            labels[i] = best;
        }
    }

    private static void relocateEmpty(double[] x, double[] oldCentres, int[] labels, double[] sums, double[] weight) {
        int[] empty = IntStream.range(0, weight.length).filter(j -> weight[j] == 0).toArray();
        if (empty.length == 0) return;
        Integer[] far = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        Arrays.sort(far, Comparator.comparingDouble((Integer i) -> {
            double d = x[i] - oldCentres[labels[i]];
            return -(d * d);
        }));
        for (int e = 0; e < empty.length; e++) {
            int idx = far[e];
            int from = labels[idx];
            sums[from] -= x[idx];
            sums[empty[e]] = x[idx];
            weight[empty[e]] = 1;
            weight[from] -= 1;
        }
    }
}
