package dev.erasure.viz;

import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The analysis charts in one call each, from Tablesaw tables or plain arrays. They return XChart charts,
 * which the notebook kernel renders; {@link #png} writes one to a file.
 */
public final class Charts {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;

    private Charts() {
    }

    /**
     * Trade-off scatter of two metrics per row (one row per model/method), labelled by {@code labelColumn},
     * with the Pareto front drawn as a line. Both metrics are maximised; see the overload for directions.
     */
    public static XYChart tradeoff(Table table, String xMetric, String yMetric, String labelColumn) {
        return tradeoff(table, xMetric, yMetric, labelColumn, Pareto.Goal.MAX, Pareto.Goal.MAX);
    }

    public static XYChart tradeoff(Table table, String xMetric, String yMetric, String labelColumn,
                                   Pareto.Goal gx, Pareto.Goal gy) {
        double[] x = numbers(table, xMetric);
        double[] y = numbers(table, yMetric);
        Column<?> labels = column(table, labelColumn);
        XYChart chart = chart(xMetric + " vs " + yMetric, xMetric + " (" + gx + ")", yMetric + " (" + gy + ")");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.addSeries("runs", x, y);
        List<Integer> front = Pareto.front(x, y, gx, gy);
        XYSeries f = chart.addSeries("Pareto front", front.stream().mapToDouble(i -> x[i]).toArray(),
                front.stream().mapToDouble(i -> y[i]).toArray());
        f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        f.setMarker(SeriesMarkers.DIAMOND);
        label(chart, x, y, i -> labels.getString(i));
        return chart;
    }

    /**
     * Trade-off curves: one line per value of {@code groupColumn} through its rows in table order (e.g. a
     * method's points in strength order), and the rows flagged in the boolean {@code frontColumn} (e.g. the
     * Pareto front over all curves) joined by a dashed line with large markers, in x order.
     */
    public static XYChart curves(Table table, String xMetric, String yMetric, String groupColumn, String frontColumn) {
        double[] x = numbers(table, xMetric);
        double[] y = numbers(table, yMetric);
        Column<?> groups = column(table, groupColumn);
        Column<?> flags = column(table, frontColumn);
        if (!(flags instanceof BooleanColumn front)) {
            throw new IllegalArgumentException("column '" + frontColumn + "' of table '" + table.name() + "' is " + flags.type() + ", not boolean");
        }
        Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < x.length; i++) byGroup.computeIfAbsent(groups.getString(i), k -> new ArrayList<>()).add(i);
        XYChart chart = chart(yMetric + " vs " + xMetric, xMetric, yMetric);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        byGroup.forEach((g, rows) -> chart.addSeries(g, rows.stream().mapToDouble(i -> x[i]).toArray(),
                rows.stream().mapToDouble(i -> y[i]).toArray()));
        List<Integer> onFront = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (Boolean.TRUE.equals(front.get(i))) onFront.add(i);
        onFront.sort(Comparator.comparingDouble(i -> x[i]));
        if (!onFront.isEmpty()) {
            XYSeries f = chart.addSeries(frontColumn + " front", onFront.stream().mapToDouble(i -> x[i]).toArray(),
                    onFront.stream().mapToDouble(i -> y[i]).toArray());
            f.setMarker(SeriesMarkers.DIAMOND);
            f.setMarkerColor(Color.BLACK);
            f.setLineColor(Color.BLACK);
            f.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
        }
        chart.getStyler().setMarkerSize(8);
        return chart;
    }

    /**
     * Percent axes for an ESR/PSR chart: x fixed at 0..100 (so points that coincide still read as a place),
     * y from the ten below its lowest value to 100, so curves that all keep 60-100 % are not squeezed into
     * the chart's top third.
     */
    public static XYChart percentAxes(XYChart chart, double[] y) {
        double low = Arrays.stream(y).filter(Double::isFinite).min().orElse(0);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(100.0)
                .setYAxisMin(Math.max(0, Math.floor(low / 10) * 10 - 10)).setYAxisMax(100.0);
        return chart;
    }

    /**
     * {@code metric} against a numeric {@code param}, one line per value of {@code groupColumn} (null: one line),
     * each point the mean over the rows with that parameter value (e.g. seeds) with ± sample standard
     * deviation (n−1; 0 for a single row) as error bars.
     */
    public static XYChart metricVsParam(Table table, String param, String metric, String groupColumn) {
        double[] p = numbers(table, param);
        double[] m = numbers(table, metric);
        Column<?> groups = groupColumn == null ? null : column(table, groupColumn);
        Map<String, TreeMap<Double, List<Double>>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < p.length; i++) {
            String g = groups == null ? metric : groups.getString(i);
            byGroup.computeIfAbsent(g, k -> new TreeMap<>()).computeIfAbsent(p[i], k -> new ArrayList<>()).add(m[i]);
        }
        XYChart chart = chart(metric + " vs " + param, param, metric);
        byGroup.forEach((g, points) -> {
            double[] xs = new double[points.size()];
            double[] mean = new double[points.size()];
            double[] std = new double[points.size()];
            int k = 0;
            for (Map.Entry<Double, List<Double>> e : points.entrySet()) {
                xs[k] = e.getKey();
                mean[k] = Stats.mean(e.getValue());
                std[k] = Stats.sampleStd(e.getValue());
                k++;
            }
            chart.addSeries(g, xs, mean, std);
        });
        return chart;
    }

    /** Loss curves overlaid, x = iteration index; the legend goes below the plot (run names are long). */
    public static XYChart lossCurves(Map<String, double[]> curves) {
        return lossCurves(curves, 1);
    }

    /** Loss curves as trailing running means over {@code window} iterations (1 = raw values). */
    public static XYChart lossCurves(Map<String, double[]> curves, int window) {
        XYChart chart = chart(window == 1 ? "loss" : "loss (running mean over " + window + " iterations)", "iteration", "loss");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        curves.forEach((name, values) -> {
            double[] iterations = new double[values.length];
            for (int i = 0; i < iterations.length; i++) iterations[i] = i;
            chart.addSeries(name, iterations, Stats.runningMean(values, window)).setMarker(SeriesMarkers.NONE);
        });
        return chart;
    }

    /**
     * Histogram of {@code values} in {@code bins} equal bins (drawn as an outline) with named vertical
     * markers, e.g. the sensitivity of "a photo", " " and the target's neighbours over the spectrum.
     */
    public static XYChart histogram(double[] values, int bins, Map<String, Double> markers) {
        Stats.Histogram h = Stats.histogram(values, bins);
        XYChart chart = chart("histogram", "value", "count");
        double[] ox = new double[2 * bins + 2];
        double[] oy = new double[2 * bins + 2];
        for (int b = 0; b < bins; b++) {
            ox[2 * b + 1] = h.edges()[b];
            oy[2 * b + 1] = h.counts()[b];
            ox[2 * b + 2] = h.edges()[b + 1];
            oy[2 * b + 2] = h.counts()[b];
        }
        ox[0] = h.edges()[0];
        ox[2 * bins + 1] = h.edges()[bins];
        XYSeries s = chart.addSeries("count", ox, oy);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        s.setMarker(SeriesMarkers.NONE);
        double top = 0;
        for (int c : h.counts()) top = Math.max(top, c);
        double height = Math.max(1, top);
        (markers == null ? Map.<String, Double>of() : markers).forEach((name, v) ->
                chart.addSeries(name, new double[] {v, v}, new double[] {0, height}).setMarker(SeriesMarkers.NONE));
        return chart;
    }

    /** Plain scatter with optional point labels (e.g. δ against embedding similarity per concept). */
    public static XYChart scatter(double[] x, double[] y, List<String> labels) {
        if (x.length != y.length || (labels != null && labels.size() != x.length)) {
            throw new IllegalArgumentException("x, y and labels must have the same length: " + x.length + ", "
                    + y.length + (labels == null ? "" : ", " + labels.size()));
        }
        XYChart chart = chart("", "x", "y");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("points", x, y);
        if (labels != null) label(chart, x, y, labels::get);
        return chart;
    }

    /**
     * Bars per category (x), one series per entry of {@code series}: stacked (a paper's per-class counts) or
     * side by side with optional error bars ({@code errors}: same keys, NaN = none), as the protocols chart them.
     */
    public static CategoryChart bars(String title, String yTitle, List<String> categories, Map<String, double[]> series,
                                     Map<String, double[]> errors, boolean stacked) {
        // wider than the line charts: the legend sits beside the bars and the category names need room
        CategoryChart c = new CategoryChartBuilder().width(WIDTH + 160).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setStacked(stacked);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setOverlapped(false);
        if (categories.isEmpty()) return c; // nothing to draw yet (XChart refuses empty series)
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length + " values for "
                        + categories.size() + " categories");
            }
            double[] err = errors == null ? null : errors.get(e.getKey());
            boolean hasErr = err != null && Arrays.stream(err).anyMatch(v -> !Double.isNaN(v));
            List<Double> y = new ArrayList<>();
            for (double v : e.getValue()) y.add(Double.isNaN(v) ? 0.0 : v);
            if (hasErr) {
                List<Double> er = new ArrayList<>();
                for (double v : err) er.add(Double.isNaN(v) ? 0.0 : v);
                c.addSeries(e.getKey(), categories, y, er);
            } else {
                c.addSeries(e.getKey(), categories, y);
            }
        }
        return c;
    }

    /** Writes the chart as PNG, atomically. */
    public static Path png(Chart<?, ?> chart, Path path) {
        return Png.write(BitmapEncoder.getBufferedImage(chart), path);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        return c;
    }

    private static void label(XYChart chart, double[] x, double[] y, IntFunction<String> text) {
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(x[i]) && !Double.isNaN(y[i])) chart.addAnnotation(new AnnotationText(text.apply(i), x[i], y[i], false));
        }
    }

    private static Column<?> column(Table table, String name) {
        if (!table.columnNames().contains(name)) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no column '" + name + "' (columns: "
                    + table.columnNames() + ")");
        }
        return table.column(name);
    }

    private static double[] numbers(Table table, String name) {
        Column<?> c = column(table, name);
        if (!(c instanceof NumericColumn<?> n)) {
            throw new IllegalArgumentException("column '" + name + "' of table '" + table.name() + "' is "
                    + c.type() + ", not numeric");
        }
        return n.asDoubleArray();
    }
}
