package dev.erasure.toy;

import dev.erasure.viz.Charts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matched-ESR reading, its statistics and the Pareto flags on synthetic curves with hand-computed numbers. */
class FrontierResultTest {
    @Test
    void psrIsLinearBetweenTheNeighboursThatEncloseTheTarget() {
        double[] esr = {60, 80, 100};
        double[] psr = {90, 80, 60};
        assertEquals(85, FrontierResult.psrAt(esr, psr, 70), 1e-12, "halfway between (60, 90) and (80, 80)");
        assertEquals(70, FrontierResult.psrAt(esr, psr, 90), 1e-12, "halfway between (80, 80) and (100, 60)");
        assertEquals(80, FrontierResult.psrAt(esr, psr, 80), 1e-12, "on a point");
        assertEquals(60, FrontierResult.psrAt(esr, psr, 100), 1e-12, "the last point");
        // the curve in strength order need not be monotone in ESR: it is read sorted by ESR
        assertEquals(85, FrontierResult.psrAt(new double[] {80, 60, 100}, new double[] {80, 90, 60}, 70), 1e-12);
        // tied ESR: the first point at that ESR, and the segment from the later one onwards
        assertEquals(50, FrontierResult.psrAt(new double[] {70, 70, 90}, new double[] {50, 60, 80}, 70), 1e-12);
        assertEquals(70, FrontierResult.psrAt(new double[] {70, 70, 90}, new double[] {50, 60, 80}, 80), 1e-12);
    }

    @Test
    void aTargetOutsideTheCurveIsNaNNeverExtrapolated() {
        double[] esr = {60, 80, 100};
        double[] psr = {90, 80, 60};
        assertTrue(Double.isNaN(FrontierResult.psrAt(esr, psr, 59.9)));
        assertTrue(Double.isNaN(FrontierResult.psrAt(new double[] {60, 80}, new double[] {90, 80}, 90)));
        assertEquals("below", FrontierResult.position(esr, 50));
        assertEquals("above", FrontierResult.position(new double[] {60, 80}, 90));
        assertTrue(Double.isNaN(FrontierResult.psrAt(new double[] {}, new double[] {}, 50)));
        assertThrows(IllegalArgumentException.class, () -> FrontierResult.psrAt(esr, new double[] {1}, 70));
    }

    @Test
    void matchedIsMeanAndStdOverSetsAndSeedsWithPairedDifferences() {
        Points p = new Points();
        for (String set : List.of("s1", "s2")) {
            for (long seed : new long[] {1, 2}) p.add("B", set, seed, 10, 0, 100).add("B", set, seed, 20, 100, 60); // 68 at 80
        }
        p.add("A", "s1", 1, 10, 60, 90).add("A", "s1", 1, 20, 100, 70);  // at 80: 80
        p.add("A", "s1", 2, 10, 70, 84).add("A", "s1", 2, 20, 90, 80);   // 82
        p.add("A", "s2", 1, 10, 50, 90).add("A", "s2", 1, 20, 90, 70);   // 75
        p.add("A", "s2", 2, 10, 85, 60).add("A", "s2", 2, 20, 95, 50);   // starts past 80: not read
        Table m = FrontierResult.matched(p.table(), List.of(80.0));
        assertEquals(List.of("B", "A"), m.stringColumn("method").asList());
        assertEquals(68, m.doubleColumn("PSR-1").get(0), 1e-9);
        assertEquals(0, m.doubleColumn("PSR-1 ±").get(0), 1e-9);
        assertEquals(79, m.doubleColumn("PSR-1").get(1), 1e-9, "(80 + 82 + 75) / 3");
        assertEquals(3.6, m.doubleColumn("PSR-1 ±").get(1), 1e-9, "sqrt((1 + 9 + 16) / 2) = 3.61");
        assertEquals(1.4, m.doubleColumn("seed std").get(1), 1e-9, "s1: std{80, 82}; s2 has one seed left");
        assertEquals(4.2, m.doubleColumn("set std").get(1), 1e-9, "std{81, 75} = 6/sqrt 2");
        assertEquals(3, m.intColumn("reached").get(1));
        assertEquals(4, m.intColumn("curves").get(1));
        assertEquals("0 never reach it, 1 start past it", m.stringColumn("outside").get(1));
        assertEquals(11, m.doubleColumn("Δ PSR-1 vs B").get(1), 1e-9, "(12 + 14 + 7) / 3, paired with B on the same set and seed");
        assertEquals(3.6, m.doubleColumn("Δ ±").get(1), 1e-9);
        assertEquals(3, m.intColumn("pairs").get(1));
        assertEquals(0, m.intColumn("pairs").get(0), "the reference is not compared with itself");
    }

    @Test
    void pairedComparesTwoMethodsAtOneStrengthOnTheSameSetAndSeed() {
        Points p = new Points();
        p.add("B", "s1", 1, 10, 90, 80).add("B", "s1", 1, 20, 100, 60).add("B", "s1", 2, 20, 100, 70).add("B", "s2", 1, 20, 95, 50);
        p.add("A", "s1", 1, 10, 50, 95).add("A", "s1", 1, 20, 100, 90).add("A", "s1", 2, 20, 100, 72).add("A", "s3", 1, 20, 100, 99);
        Table t = FrontierResult.paired(p.table(), "A", "B", 20);
        assertEquals(List.of("s1", "s1"), t.stringColumn("erase set").asList(), "only (set, seed) runs both have at 20");
        assertEquals(List.of(1L, 2L), t.longColumn("seed").asList());
        assertEquals(List.of(30.0, 2.0), t.doubleColumn("Δ PSR-1").asList(), "90 − 60, 72 − 70");
        assertEquals(List.of(60.0, 70.0), t.doubleColumn("PSR-1 B").asList());
        assertTrue(t.name().contains("Δ PSR-1 16.0 ± 19.8 over 2 pairs (ESR-1 equal on 2)"), t.name());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> FrontierResult.paired(p.table(), "A", "B", 30));
        assertTrue(none.getMessage().contains("strength 30") && none.getMessage().contains("[10, 20]"), none.getMessage());
    }

    @TempDir
    Path tmp;

    @Test
    void theParetoFlagsMarkTheUndominatedMeanPointsOfAllMethods() throws Exception {
        Points p = new Points();
        p.add("X", "s", 1, 1, 50, 90).add("X", "s", 1, 2, 80, 70);
        p.add("Y", "s", 1, 1, 60, 95).add("Y", "s", 1, 2, 80, 60).add("Y", "s", 1, 3, 90, 50);
        FrontierResult r = FrontierResult.of(p.table(), List.of(85.0));
        Table c = r.curves();
        assertEquals(List.of("X", "X", "Y", "Y", "Y"), c.stringColumn("method").asList());
        // (60, 95) dominates (50, 90); (80, 70) dominates (80, 60); (90, 50) erases most
        assertEquals(List.of(false, true, true, false, true), c.booleanColumn("Pareto").asList());
        var chart = r.chart();
        assertEquals(List.of("X", "Y", "Pareto front"), List.copyOf(chart.getSeriesMap().keySet()));
        assertEquals(3, chart.getSeriesMap().get("Pareto front").getXData().length);
        Path png = Charts.png(chart, tmp.resolve("frontier.png"));
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void curvesAverageTheRunsAtEachStrengthInStrengthOrder() {
        Points p = new Points();
        p.add("A", "s1", 1, 20, 90, 70).add("A", "s1", 1, 10, 50, 90).add("A", "s2", 1, 10, 70, 80);
        Table c = FrontierResult.curves(p.table());
        assertEquals(List.of(10, 20), c.intColumn("iterations").asList());
        assertEquals(60, c.doubleColumn("ESR-1").get(0), 1e-9);
        assertEquals(14.1, c.doubleColumn("ESR-1 ±").get(0), 1e-9, "std{50, 70} = 20/sqrt 2");
        assertEquals(List.of(2, 1), c.intColumn("runs").asList());
    }

    @Test
    void aPointsTableWrittenBeforeTheRenameIsStillRead() {
        Points p = new Points();
        p.add("A", "s1", 1, 20, 90, 70).add("A", "s1", 1, 10, 50, 90).add("B", "s1", 1, 10, 70, 80);
        Table now = p.table();
        Table old = now.copy();
        old.intColumn("iterations").setName("steps");
        FrontierResult a = FrontierResult.of(now, List.of(60.0));
        FrontierResult b = FrontierResult.of(old, List.of(60.0));
        assertEquals(a.curves().print(), b.curves().print());
        assertEquals(a.matched().print(), b.matched().print());
    }

    /** #18 a study split over processes: the points files read back, one after the other, give the frontier of the whole. */
    @Test
    void pointsFilesOfASplitStudyReadBackIntoOneFrontier() throws Exception {
        Points a = new Points();
        a.add("A", "s1", 1, 10, 50, 90).add("A", "s1", 1, 20, 100, 70).add("B", "s1", 1, 10, 0, 100).add("B", "s1", 1, 20, 100, 50);
        Points b = new Points();
        b.add("A", "s2", 1, 10, 60, 80).add("A", "s2", 1, 20, 100, 60).add("B", "s2", 1, 10, 0, 90).add("B", "s2", 1, 20, 100, 40);
        Path fa = tmp.resolve("a.csv");
        Path fb = tmp.resolve("b.csv");
        a.table().write().csv(fa.toFile());
        b.table().write().csv(fb.toFile());
        Table read = FrontierResult.readPoints(List.of(fa, fb));
        assertEquals(8, read.rowCount());
        Table whole = a.table().append(b.table());
        // whole-number scores (0, 100) are read as doubles, seeds as longs: the same frontier as from the tables themselves
        assertEquals(FrontierResult.of(whole, List.of(75.0)).matched().print(), FrontierResult.of(read, List.of(75.0)).matched().print());
        assertEquals(FrontierResult.of(whole, List.of(75.0)).curves().print(), FrontierResult.of(read, List.of(75.0)).curves().print());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> FrontierResult.readPoints(List.of(fa, fa)));
        assertTrue(twice.getMessage().contains("A | s1 | seed 1 | 10 iterations") && twice.getMessage().contains("a.csv"), twice.getMessage());
        Path other = tmp.resolve("other.csv");
        Files.writeString(other, "method,score\nA,1\n");
        IllegalArgumentException layout = assertThrows(IllegalArgumentException.class, () -> FrontierResult.readPoints(List.of(other)));
        assertTrue(layout.getMessage().contains("other.csv") && layout.getMessage().contains("'erase set'"), layout.getMessage());
    }

    /** A points table as the bench writes it. */
    private static final class Points {
        final StringColumn method = StringColumn.create("method");
        final StringColumn set = StringColumn.create("erase set");
        final LongColumn seed = LongColumn.create("seed");
        final IntColumn iterations = IntColumn.create("iterations");
        final DoubleColumn esr = DoubleColumn.create("ESR-1");
        final DoubleColumn psr = DoubleColumn.create("PSR-1");

        Points add(String m, String s, long sd, int st, double e, double ps) {
            method.append(m);
            set.append(s);
            seed.append(sd);
            iterations.append(st);
            esr.append(e);
            psr.append(ps);
            return this;
        }

        Table table() {
            return Table.create("points", method, set, seed, iterations, esr, psr);
        }
    }
}
