package dev.erasure.viz;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The Pareto front of two metrics, each to be maximised or minimised (e.g. erasure vs preservation). */
public final class Pareto {
    /** Which way a metric is better. */
    public enum Goal { MAX, MIN }

    private Pareto() {
    }

    /**
     * Indices of the non-dominated points, ordered by x. A point is dominated when another is at least
     * as good in both metrics and strictly better in one; equal points are all kept. NaN points are ignored.
     */
    public static List<Integer> front(double[] x, double[] y, Goal gx, Goal gy) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " values but y has " + y.length);
        }
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i]) || Double.isNaN(y[i])) continue;
            boolean dominated = false;
            for (int j = 0; j < x.length && !dominated; j++) {
                if (j == i || Double.isNaN(x[j]) || Double.isNaN(y[j])) continue;
                double dx = better(gx, x[j], x[i]);
                double dy = better(gy, y[j], y[i]);
                dominated = dx >= 0 && dy >= 0 && (dx > 0 || dy > 0);
            }
            if (!dominated) front.add(i);
        }
        front.sort(Comparator.comparingDouble(i -> x[i]));
        return front;
    }

    /** How much better a is than b (positive = better) under the goal. */
    private static double better(Goal g, double a, double b) {
        return g == Goal.MAX ? a - b : b - a;
    }
}
