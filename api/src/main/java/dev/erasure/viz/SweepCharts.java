package dev.erasure.viz;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** One-call charts of a {@code Sweep} table (delegating to {@link Charts}). */
public final class SweepCharts {
    private SweepCharts() {
    }

    /** Two metrics per configuration, labelled by id, with the Pareto front. */
    public static XYChart tradeoff(Table sweep, String xMetric, String yMetric, Pareto.Goal gx, Pareto.Goal gy) {
        return Charts.tradeoff(sweep, xMetric, yMetric, "id", gx, gy);
    }

    /** A metric against a numeric parameter, mean ± std over the other axes (e.g. seeds), one line per group. */
    public static XYChart metricVsParam(Table sweep, String param, String metric, String groupColumn) {
        return Charts.metricVsParam(sweep, param, metric, groupColumn);
    }

    /** The θ-step loss curve of every configuration. */
    public static XYChart lossCurves(Table sweep) {
        return lossCurves(sweep, 1);
    }

    /** The loss curves as running means over {@code window} iterations (1 = raw). */
    public static XYChart lossCurves(Table sweep, int window) {
        if (!sweep.columnNames().contains("loss_curve")) {
            throw new IllegalArgumentException("table '" + sweep.name() + "' is not a sweep table (no loss_curve column)");
        }
        Map<String, double[]> curves = new LinkedHashMap<>();
        for (int i = 0; i < sweep.rowCount(); i++) {
            String c = sweep.stringColumn("loss_curve").get(i).strip();
            double[] v = c.isEmpty() ? new double[0] : Arrays.stream(c.split(" ")).mapToDouble(Double::parseDouble).toArray();
            curves.put(sweep.stringColumn("id").get(i), v);
        }
        return Charts.lossCurves(curves, window);
    }
}
