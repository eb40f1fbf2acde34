package dev.erasure.toy;

import dev.erasure.viz.Charts;
import dev.erasure.viz.Pareto;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A frontier run ({@link ShapeWorldBench#frontier}): methods compared at equal erasure, not at one
 * setting each.
 * <ul>
 * <li>{@link #points()}: one row per (method, erase set, erasure seed, iterations per concept) with the
 * bench's scores; the original model is one row per set and seed at 0 iterations;</li>
 * <li>{@link #curves()}: each method's mean curve (mean ± sample std over sets × seeds at each
 * strength) with its Pareto flag (not dominated in mean ESR-1 and mean PSR-1 by any point of any method);</li>
 * <li>{@link #matched()}: PSR-1 at each target ESR-1, read off every (set, seed) curve and then
 * averaged (see {@link #matched(Table, List)}).</li>
 * </ul>
 */
public record FrontierResult(Table points, Table curves, Table matched) {
    static final String ESR = "ESR-1";
    static final String PSR = "PSR-1";
    /** The strength column of the points and curves: erasure iterations per erased concept. */
    public static final String ITERATIONS = "iterations";

    /** Builds the curve and matched tables from the points, paired with the first method that has a strength. */
    public static FrontierResult of(Table points, List<Double> esrTargets) {
        return of(points, esrTargets, null);
    }

    /** Builds the curve and matched tables from the points, every method paired with {@code reference} (null: the first). */
    public static FrontierResult of(Table points, List<Double> esrTargets, String reference) {
        return new FrontierResult(points, curves(points), matched(points, esrTargets, reference));
    }

    /**
     * The points tables that earlier runs wrote (their {@code points.csv}), one after the other: a study split
     * over processes or machines (e.g. erase sets 1–2 and 3–4), recombined; {@link #of} then gives the
     * frontier of the whole. Columns are read by name with the types the bench writes; a file of another
     * layout, or a point (method, set, seed, iterations) that two files both hold, is refused naming the files.
     */
    public static Table readPoints(List<Path> csvFiles) {
        if (csvFiles.isEmpty()) throw new IllegalArgumentException("no points.csv to read");
        Table all = null;
        Map<String, Path> seen = new LinkedHashMap<>();
        for (Path f : csvFiles) {
            Table t;
            try {
                t = Table.read().usingOptions(CsvReadOptions.builder(f.toFile()).columnTypes(FrontierResult::pointType));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot read frontier points " + f + ": " + e.getMessage(), e);
            }
            for (String c : List.of("method", "erase set", "seed", ITERATIONS, ESR, PSR)) {
                if (!t.containsColumn(c)) throw new IllegalArgumentException(f + " is not a frontier points.csv: no column '" + c + "'");
            }
            for (int i = 0; i < t.rowCount(); i++) {
                String key = t.stringColumn("method").get(i) + " | " + t.stringColumn("erase set").get(i) + " | seed "
                        + t.longColumn("seed").get(i) + " | " + t.intColumn(ITERATIONS).get(i) + " iterations";
                Path before = seen.putIfAbsent(key, f);
                if (before != null) throw new IllegalArgumentException("point " + key + " is in both " + before + " and " + f);
            }
            if (all == null) {
                all = t.setName("ShapeWorld frontier: points (%; iterations per erased concept)");
            } else if (!all.columnNames().equals(t.columnNames())) {
                throw new IllegalArgumentException(f + " has columns " + t.columnNames() + ", " + csvFiles.get(0) + " " + all.columnNames());
            } else {
                all.append(t);
            }
        }
        return all;
    }

    private static ColumnType pointType(String column) {
        return switch (column) {
            case "method", "erase set" -> ColumnType.STRING;
            case "seed" -> ColumnType.LONG;
            case ITERATIONS -> ColumnType.INTEGER;
            default -> ColumnType.DOUBLE;
        };
    }

    /** All methods' mean curves (lines, in strength order) with the Pareto front of their points marked. */
    public XYChart chart() {
        XYChart c = Charts.curves(curves, ESR, PSR, "method", "Pareto");
        c.setTitle("PSR-1 vs ESR-1 (%): mean curves over strength");
        return Charts.percentAxes(c, curves.doubleColumn(PSR).asDoubleArray());
    }

    /**
     * PSR at ESR {@code target} on one curve: the points sorted by ESR (ties keep the given order, i.e.
     * strength), linear between the two neighbours that enclose the target; at a point's ESR exactly,
     * that point's PSR (the first such point; past a tie, from the last point of the tie on). NaN when the target lies outside [min ESR, max ESR]:
     * a curve is never extrapolated.
     */
    public static double psrAt(double[] esr, double[] psr, double target) {
        if (esr.length != psr.length) throw new IllegalArgumentException("esr has " + esr.length + " points, psr " + psr.length);
        Integer[] order = new Integer[esr.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> esr[i]));
        for (int j = 0; j < order.length; j++) {
            int a = order[j];
            if (esr[a] == target) return psr[a];
            if (j + 1 < order.length) {
                int b = order[j + 1];
                if (esr[a] < target && target < esr[b]) {
                    return psr[a] + (target - esr[a]) / (esr[b] - esr[a]) * (psr[b] - psr[a]);
                }
            }
        }
        return Double.NaN;
    }

    /** Where a target lies relative to a curve's ESR range: "below" its lowest, "above" its highest, or "inside". */
    static String position(double[] esr, double target) {
        double lo = Arrays.stream(esr).min().orElse(Double.NaN);
        double hi = Arrays.stream(esr).max().orElse(Double.NaN);
        return target < lo ? "below" : target > hi ? "above" : "inside";
    }

    /**
     * PSR-1 at matched ESR-1, one row per (method, target). Each (erase set, seed) curve is read with
     * {@link #psrAt}; "PSR-1" and "±" are the mean and sample std over the curves that reach the target
     * (so the spread holds both the seed and the set variation), "seed std" the mean over sets of the std
     * over seeds, "set std" the std over sets of the per-set seed means (NaN where fewer than two values).
     * "reached" counts the curves that reach the target; "outside" says how many never erase that much
     * (the target lies above their highest ESR) and how many erase more already at their weakest point.
     * "Δ PSR-1" is the paired difference to the reference (the first method with a strength > 0) on the
     * (set, seed) curves where both reach the target, mean ± sample std over those "pairs".
     */
    public static Table matched(Table points, List<Double> esrTargets) {
        return matched(points, esrTargets, null);
    }

    /** {@link #matched(Table, List)} paired with {@code reference} (a method of the points; null: the first with a strength). */
    public static Table matched(Table points, List<Double> esrTargets, String reference) {
        Map<String, Map<String, double[][]>> curves = perCurve(points);
        if (reference == null) {
            reference = points.where(strengths(points).isGreaterThan(0)).stringColumn("method").asList()
                    .stream().findFirst().orElse(null);
        } else if (!curves.containsKey(reference)) {
            throw new IllegalArgumentException("reference method '" + reference + "' is not in the points; have " + curves.keySet());
        }
        StringColumn method = StringColumn.create("method");
        DoubleColumn target = DoubleColumn.create("ESR-1 target");
        DoubleColumn mean = DoubleColumn.create(PSR);
        DoubleColumn std = DoubleColumn.create(PSR + " ±");
        DoubleColumn seedStd = DoubleColumn.create("seed std");
        DoubleColumn setStd = DoubleColumn.create("set std");
        IntColumn reached = IntColumn.create("reached");
        IntColumn total = IntColumn.create("curves");
        StringColumn outside = StringColumn.create("outside");
        DoubleColumn delta = DoubleColumn.create("Δ PSR-1 vs " + reference);
        DoubleColumn deltaStd = DoubleColumn.create("Δ ±");
        IntColumn pairs = IntColumn.create("pairs");
        for (String m : curves.keySet()) {
            for (double t : esrTargets) {
                Map<String, List<Double>> bySet = new LinkedHashMap<>();
                List<Double> all = new ArrayList<>();
                List<Double> deltas = new ArrayList<>();
                int below = 0;
                int above = 0;
                for (Map.Entry<String, double[][]> c : curves.get(m).entrySet()) {
                    double[][] curve = c.getValue();
                    double v = psrAt(curve[0], curve[1], t);
                    String pos = position(curve[0], t);
                    if (pos.equals("below")) below++;
                    if (pos.equals("above")) above++;
                    if (Double.isNaN(v)) continue;
                    all.add(v);
                    bySet.computeIfAbsent(c.getKey().split("\n")[0], k -> new ArrayList<>()).add(v);
                    double[][] ref = reference == null ? null : curves.get(reference).get(c.getKey());
                    double r = ref == null ? Double.NaN : psrAt(ref[0], ref[1], t);
                    if (!m.equals(reference) && !Double.isNaN(r)) deltas.add(v - r);
                }
                method.append(m);
                target.append(t);
                mean.append(round(mean(all)));
                std.append(round(std(all)));
                seedStd.append(round(mean(bySet.values().stream().filter(v -> v.size() > 1).map(FrontierResult::std).toList())));
                setStd.append(round(std(bySet.values().stream().map(FrontierResult::mean).toList())));
                reached.append(all.size());
                total.append(curves.get(m).size());
                outside.append(below + above == 0 ? "" : above + " never reach it, " + below + " start past it");
                delta.append(round(mean(deltas)));
                deltaStd.append(round(std(deltas)));
                pairs.append(deltas.size());
            }
        }
        return Table.create("PSR-1 at matched ESR-1 (%): mean ± std over erase sets × erasure seeds", method, target, mean, std,
                seedStd, setStd, reached, total, outside, delta, deltaStd, pairs);
    }

    /**
     * Each method's mean curve: per strength, mean ± sample std of ESR-1 and PSR-1 over the (set, seed)
     * runs, in strength order, and whether the mean point is on the Pareto front of all methods' points.
     */
    public static Table curves(Table points) {
        StringColumn method = StringColumn.create("method");
        IntColumn iterations = IntColumn.create(ITERATIONS);
        DoubleColumn esr = DoubleColumn.create(ESR);
        DoubleColumn esrStd = DoubleColumn.create(ESR + " ±");
        DoubleColumn psr = DoubleColumn.create(PSR);
        DoubleColumn psrStd = DoubleColumn.create(PSR + " ±");
        IntColumn runs = IntColumn.create("runs");
        Map<String, TreeMap<Integer, List<Integer>>> rows = new LinkedHashMap<>();
        for (int i = 0; i < points.rowCount(); i++) {
            rows.computeIfAbsent(points.stringColumn("method").get(i), k -> new TreeMap<>())
                    .computeIfAbsent(strengths(points).get(i), k -> new ArrayList<>()).add(i);
        }
        rows.forEach((m, byStrength) -> byStrength.forEach((s, idx) -> {
            List<Double> e = idx.stream().map(i -> points.doubleColumn(ESR).get(i)).toList();
            List<Double> p = idx.stream().map(i -> points.doubleColumn(PSR).get(i)).toList();
            method.append(m);
            iterations.append(s);
            esr.append(round(mean(e)));
            esrStd.append(round(std(e)));
            psr.append(round(mean(p)));
            psrStd.append(round(std(p)));
            runs.append(idx.size());
        }));
        List<Integer> front = Pareto.front(esr.asDoubleArray(), psr.asDoubleArray(), Pareto.Goal.MAX, Pareto.Goal.MAX);
        BooleanColumn pareto = BooleanColumn.create("Pareto");
        for (int i = 0; i < method.size(); i++) pareto.append(front.contains(i));
        return Table.create("frontier: mean curve per method (%, mean ± std over erase sets × erasure seeds)",
                method, iterations, esr, esrStd, psr, psrStd, runs, pareto);
    }

    /**
     * {@code method} and {@code reference} at the same strength (equal compute), paired by (set, seed): one row
     * per pair with both ESR-1 and PSR-1 and Δ PSR-1 = method − reference; the title gives Δ's mean ± sample
     * std and on how many pairs the ESR-1 is equal. This is the comparison where both end on the same erasure
     * (e.g. both at ESR-1 100); {@link #matched} reads the curves instead, where a weaker point of the reference
     * may already erase as much.
     */
    public static Table paired(Table points, String method, String reference, int strength) {
        Map<String, Integer> ref = new LinkedHashMap<>();
        Map<String, Integer> own = new LinkedHashMap<>();
        IntColumn strengths = strengths(points);
        for (int i = 0; i < points.rowCount(); i++) {
            if (strengths.get(i) != strength) continue;
            String m = points.stringColumn("method").get(i);
            String key = points.stringColumn("erase set").get(i) + "\n" + points.longColumn("seed").get(i);
            if (m.equals(reference)) ref.put(key, i);
            if (m.equals(method)) own.put(key, i);
        }
        if (ref.isEmpty() || own.isEmpty()) {
            throw new IllegalArgumentException("no points of '" + (ref.isEmpty() ? reference : method) + "' at strength "
                    + strength + "; strengths: " + new TreeSet<>(strengths.asList()));
        }
        StringColumn set = StringColumn.create("erase set");
        LongColumn seed = LongColumn.create("seed");
        DoubleColumn esrRef = DoubleColumn.create(ESR + " " + reference);
        DoubleColumn esrOwn = DoubleColumn.create(ESR + " " + method);
        DoubleColumn psrRef = DoubleColumn.create(PSR + " " + reference);
        DoubleColumn psrOwn = DoubleColumn.create(PSR + " " + method);
        DoubleColumn delta = DoubleColumn.create("Δ " + PSR);
        int equal = 0;
        for (Map.Entry<String, Integer> e : own.entrySet()) {
            Integer r = ref.get(e.getKey());
            if (r == null) continue;
            int i = e.getValue();
            set.append(points.stringColumn("erase set").get(i));
            seed.append(points.longColumn("seed").get(i));
            esrRef.append(round(points.doubleColumn(ESR).get(r)));
            esrOwn.append(round(points.doubleColumn(ESR).get(i)));
            psrRef.append(round(points.doubleColumn(PSR).get(r)));
            psrOwn.append(round(points.doubleColumn(PSR).get(i)));
            delta.append(round(points.doubleColumn(PSR).get(i) - points.doubleColumn(PSR).get(r)));
            if (points.doubleColumn(ESR).get(i).equals(points.doubleColumn(ESR).get(r))) equal++;
        }
        List<Double> d = delta.asList();
        return Table.create(String.format(Locale.ROOT, "%s vs %s at %d %s: Δ %s %.1f ± %.1f over %d pairs (ESR-1 equal on %d)",
                method, reference, strength, ITERATIONS, PSR, mean(d), std(d), d.size(), equal),
                set, seed, esrRef, esrOwn, psrRef, psrOwn, delta);
    }

    /** The strength column; a points.csv written before the rename calls it "steps", and is still read. */
    private static IntColumn strengths(Table points) {
        return points.intColumn(points.containsColumn(ITERATIONS) ? ITERATIONS : "steps");
    }

    /** method → ("set\nseed" → {ESR-1[], PSR-1[]} in strength order). */
    private static Map<String, Map<String, double[][]>> perCurve(Table points) {
        Map<String, Map<String, List<Integer>>> idx = new LinkedHashMap<>();
        for (int i = 0; i < points.rowCount(); i++) {
            String key = points.stringColumn("erase set").get(i) + "\n" + points.longColumn("seed").get(i);
            idx.computeIfAbsent(points.stringColumn("method").get(i), k -> new LinkedHashMap<>())
                    .computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        Map<String, Map<String, double[][]>> out = new LinkedHashMap<>();
        idx.forEach((m, byCurve) -> byCurve.forEach((key, rows) -> {
            List<Integer> sorted = rows.stream().sorted(Comparator.comparingInt(i -> strengths(points).get(i))).toList();
            double[][] c = {sorted.stream().mapToDouble(i -> points.doubleColumn(ESR).get(i)).toArray(),
                sorted.stream().mapToDouble(i -> points.doubleColumn(PSR).get(i)).toArray()};
            out.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(key, c);
        }));
        return out;
    }

    private static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** Sample standard deviation (n − 1); NaN for fewer than two values. */
    private static double std(List<Double> v) {
        if (v.size() < 2) return Double.NaN;
        double m = mean(v);
        double s = 0;
        for (double d : v) s += (d - m) * (d - m);
        return Math.sqrt(s / (v.size() - 1));
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
