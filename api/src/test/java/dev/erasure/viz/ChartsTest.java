package dev.erasure.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {
    /**
     * A(1,5) B(2,4) C(3,3) D(2,2) E(0.5,4.5) F(3,1). Maximising both: D is beaten by B, E by A, F by C,
     * so the front is A, B, C. Maximising x and minimising y: F (x 3, y 1) beats every other point.
     */
    private static Table models() {
        return Table.create("models",
                StringColumn.create("model", "A", "B", "C", "D", "E", "F"),
                DoubleColumn.create("erase", 1, 2, 3, 2, 0.5, 3),
                DoubleColumn.create("keep", 5, 4, 3, 2, 4.5, 1));
    }

    /** The protocols' bars: one series per entry, its values per category, error bars where given, NaN drawn as 0. */
    @Test
    void barsHoldEverySeriesAndRefuseAMismatch() {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("esd", new double[] {80, 60});
        series.put("eap", new double[] {Double.NaN, 70});
        var c = Charts.bars("t", "%", List.of("ESR-1", "PSR-1"), series, Map.of("esd", new double[] {5, Double.NaN}), false);
        assertEquals(List.of("esd", "eap"), List.copyOf(c.getSeriesMap().keySet()));
        assertEquals(List.of(80.0, 60.0), List.copyOf(c.getSeriesMap().get("esd").getYData()));
        assertEquals(List.of(0.0, 70.0), List.copyOf(c.getSeriesMap().get("eap").getYData()));
        assertEquals(List.of(5.0, 0.0), List.copyOf(c.getSeriesMap().get("esd").getExtraValues()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Charts.bars("t", "%", List.of("a"), Map.of("x", new double[] {1, 2}), null, true));
        assertTrue(e.getMessage().contains("'x' has 2 values for 1 categories"), e.getMessage());
    }

    @Test
    void paretoFrontOfAHandMadeTable() {
        Table t = models();
        double[] x = t.doubleColumn("erase").asDoubleArray();
        double[] y = t.doubleColumn("keep").asDoubleArray();
        assertEquals(List.of(0, 1, 2), Pareto.front(x, y, Pareto.Goal.MAX, Pareto.Goal.MAX));
        assertEquals(List.of(5), Pareto.front(x, y, Pareto.Goal.MAX, Pareto.Goal.MIN));
        // minimising x: E (0.5) is best in x; A (1,5) is best in y; nothing dominates either
        assertEquals(List.of(4, 0), Pareto.front(x, y, Pareto.Goal.MIN, Pareto.Goal.MAX));
        XYChart chart = Charts.tradeoff(t, "erase", "keep", "model");
        XYSeries front = chart.getSeriesMap().get("Pareto front");
        assertArrayEquals(new double[] {1, 2, 3}, front.getXData());
        assertArrayEquals(new double[] {5, 4, 3}, front.getYData());
        assertThrows(IllegalArgumentException.class, () -> Charts.tradeoff(t, "erase", "nope", "model"));
        assertThrows(IllegalArgumentException.class, () -> Charts.tradeoff(t, "model", "keep", "model"));
    }

    @Test
    void errorBarsAreTheSampleStdOverRepeatedRows() {
        Table t = Table.create("sweep",
                DoubleColumn.create("lr", 1, 1, 1, 2, 2, 1, 2),
                DoubleColumn.create("esr", 0.2, 0.4, 0.9, 0.5, 0.7, 0.1, 0.3),
                StringColumn.create("method", "eap", "eap", "eap", "eap", "eap", "esd", "esd"));
        XYChart chart = Charts.metricVsParam(t, "lr", "esr", "method");
        XYSeries eap = chart.getSeriesMap().get("eap");
        assertArrayEquals(new double[] {1, 2}, eap.getXData());
        assertArrayEquals(new double[] {0.5, 0.6}, eap.getYData(), 1e-12);
        // by hand: lr 1 → values .2 .4 .9, mean .5, squared deviations .09 .01 .16 → var .26/2 = .13
        //          lr 2 → values .5 .7, mean .6, deviations .01 .01 → var .02/1
        assertArrayEquals(new double[] {Math.sqrt(0.13), Math.sqrt(0.02)}, eap.getExtraValues(), 1e-12);
        XYSeries esd = chart.getSeriesMap().get("esd");
        assertArrayEquals(new double[] {0, 0}, esd.getExtraValues(), "one row per point: no spread");
    }

    @Test
    void histogramCountsAndMarkers() {
        double[] v = {0, 0.1, 0.2, 0.5, 0.9, 1.0};
        Stats.Histogram h = Stats.histogram(v, 2);
        assertArrayEquals(new int[] {3, 3}, h.counts(), "0.5 opens the second bin, 1.0 closes it (numpy)");
        Map<String, Double> markers = new LinkedHashMap<>();
        markers.put("a photo", 0.3);
        markers.put("\" \"", 0.8);
        XYChart chart = Charts.histogram(v, 2, markers);
        assertArrayEquals(new double[] {0.3, 0.3}, chart.getSeriesMap().get("a photo").getXData());
        assertEquals(3.0, Arrays.stream(chart.getSeriesMap().get("a photo").getYData()).max().orElseThrow());
    }

    @Test
    void lossCurvesCanBeSmoothedByARunningMean() {
        assertArrayEquals(new double[] {1, 2, 4, 6}, Stats.runningMean(new double[] {1, 3, 5, 7}, 2), 1e-12);
        assertArrayEquals(new double[] {1, 3, 5}, Stats.runningMean(new double[] {1, 3, 5}, 1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Stats.runningMean(new double[] {1}, 0));
        Map<String, double[]> curves = Map.of("run", new double[] {4, 0, 2});
        XYSeries s = Charts.lossCurves(curves, 3).getSeriesMap().get("run");
        assertArrayEquals(new double[] {4, 2, 2}, s.getYData(), 1e-12);
    }

    @Test
    void everyChartTypeWritesADecodablePng(@TempDir Path dir) throws IOException {
        Map<String, double[]> curves = new LinkedHashMap<>();
        curves.put("eap", new double[] {1, 0.5, 0.3, 0.2});
        curves.put("esd", new double[] {1, 0.7, 0.6, 0.55});
        Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
        charts.put("tradeoff", Charts.tradeoff(models(), "erase", "keep", "model"));
        charts.put("param", Charts.metricVsParam(models(), "erase", "keep", null));
        charts.put("loss", Charts.lossCurves(curves));
        charts.put("hist", Charts.histogram(new double[] {1, 2, 2, 3, 3, 3}, 3, Map.of("target", 2.5)));
        charts.put("scatter", Charts.scatter(new double[] {1, 2}, new double[] {3, 4}, List.of("car", "bus")));
        for (var e : charts.entrySet()) {
            Path png = Charts.png(e.getValue(), dir.resolve(e.getKey() + ".png"));
            assertNotNull(ImageIO.read(png.toFile()), e.getKey());
            byte[] bytes = Files.readAllBytes(png);
            String tail = new String(bytes, bytes.length - 8, 4, StandardCharsets.ISO_8859_1);
            assertEquals("IEND", tail, e.getKey() + " ends with the IEND chunk");
        }
        try (var files = Files.list(dir)) {
            assertEquals(charts.size(), files.count(), "no temp files left behind");
        }
        assertTrue(Files.size(dir.resolve("hist.png")) > 0);
    }
}
