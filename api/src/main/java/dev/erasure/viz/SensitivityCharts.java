package dev.erasure.viz;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.awt.Color;
import java.util.Arrays;

/**
 * One-call charts of sensitivity tables: the spectrum histogram with named concepts marked
 * (Fig. 2), δ per concept as sorted bars, and δ against text-embedding similarity to the target (App. B.5).
 */
public final class SensitivityCharts {
    private SensitivityCharts() {
    }

    /**
     * Histogram of the table's sensitivity column (mse of a noise spectrum, else delta_mean) with a
     * vertical marker at each named concept's value, e.g. "a photo", " " and the target's neighbours
     * (they must be rows of the table).
     */
    public static XYChart spectrumHistogram(Table table, List<String> markerConcepts) {
        return spectrumHistogram(table, valueColumn(table), markerConcepts, 40);
    }

    public static XYChart spectrumHistogram(Table table, String column, List<String> markerConcepts, int bins) {
        double[] values = numbers(table, column);
        List<String> concepts = table.stringColumn("concept").asList();
        Map<String, Double> markers = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String c : markerConcepts) {
            int i = concepts.indexOf(c);
            if (i < 0) missing.add(c);
            else markers.put("'" + c + "'", values[i]);
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("marker concepts " + missing + " are not rows of '" + table.name()
                    + "'; include them in the concepts measured");
        }
        XYChart chart = Charts.histogram(values, bins, markers);
        chart.setTitle(column + " over " + values.length + " concepts");
        chart.setXAxisTitle(column);
        return chart;
    }

    /**
     * δ(c) per concept as bars sorted from the most to the least damaged, with ± delta_std error bars
     * (the spread over the k shared seeds).
     */
    public static CategoryChart deltaBars(Table table) {
        numbers(table, "delta_mean");
        Table sorted = table.sortDescendingOn("delta_mean");
        CategoryChart chart = new CategoryChartBuilder().width(760).height(440)
                .title("δ(c) over " + sorted.rowCount() + " concepts, most damaged first")
                .xAxisTitle("concept").yAxisTitle("δ (± std over seeds)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("delta", sorted.stringColumn("concept").asList(), boxed(numbers(sorted, "delta_mean")),
                boxed(numbers(sorted, "delta_std")));
        return chart;
    }

    private static List<Double> boxed(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    /** Sensitivity (delta_mean, or mse of a noise spectrum) against the similarity column, labelled by concept. */
    public static XYChart deltaVsSimilarity(Table table) {
        if (!table.columnNames().contains("similarity")) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no similarity column: set target(...) when measuring");
        }
        String y = valueColumn(table);
        XYChart chart = Charts.scatter(numbers(table, "similarity"), numbers(table, y), table.stringColumn("concept").asList());
        chart.setTitle(y + " vs similarity to the target");
        chart.setXAxisTitle("text-embedding similarity to the target");
        chart.setYAxisTitle(y);
        return chart;
    }

    private static String valueColumn(Table table) {
        if (table.columnNames().contains("delta_mean")) return "delta_mean";
        if (table.columnNames().contains("mse")) return "mse";
        throw new IllegalArgumentException("table '" + table.name() + "' has neither delta_mean nor mse (columns: " + table.columnNames() + ")");
    }

    private static double[] numbers(Table table, String column) {
        if (!table.columnNames().contains(column)) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no column '" + column + "' (columns: " + table.columnNames() + ")");
        }
        return table.numberColumn(column).asDoubleArray();
    }
}
