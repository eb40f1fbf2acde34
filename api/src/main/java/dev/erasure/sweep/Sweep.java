package dev.erasure.sweep;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.erase.Method;
import dev.erasure.erase.StepRecord;
import dev.erasure.io.AtomicFiles;
import dev.erasure.io.Finite;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Runs a set of erasure configurations and measures each, resumably:
 * <pre>
 * Table t = Sweep.over(Erasure.of(sd).target("church").iterations(200))
 *     .grid("learningRate", 1e-5, 3e-5).grid("K", 10, 50).grid("seed", 1, 2)
 *     .metrics(Metric.finalLoss(), Metric.meanNoiseCosine("keep", sd, others))
 *     .resultsCsv(Path.of("out/sweep.csv")).run();
 * </pre>
 * A grid is the cartesian product of its axes (first axis outermost). Known axes: iterations
 * (or steps), learningRate (lr), seed, K (adversarial preservation with K concepts), preserve (a Preserve),
 * params (a Params or its official name), method (a Method), ddimGrid (or ddimSteps), startGuidance,
 * negativeGuidance; any other through {@link #grid(String, BiFunction, Object...)}. Each finished
 * configuration is written at once to the CSV, keyed by its id; a rerun skips ids already there.
 * The table has one row per configuration: id, every parameter (numeric when all its values are),
 * every metric, and loss_curve (the θ-step "loss" values, space-separated).
 */
public final class Sweep {
    private static final String LOSS_CURVE = "loss_curve";

    private final Erasure base;
    private final List<Axis> axes;
    private final List<Configuration> explicit;
    private final List<Configuration> extra;
    private final List<Metric> metrics;
    private final Path csv;
    private final ProgressListener listener;

    private record Axis(String name, BiFunction<Erasure, Object, Erasure> apply, List<Object> values) {
    }

    private Sweep(Erasure base, List<Axis> axes, List<Configuration> explicit, List<Configuration> extra, List<Metric> metrics,
                  Path csv, ProgressListener listener) {
        this.base = base;
        this.axes = List.copyOf(axes);
        this.explicit = explicit;
        this.extra = List.copyOf(extra);
        this.metrics = List.copyOf(metrics);
        this.csv = csv;
        this.listener = listener;
    }

    /** A grid sweep around {@code base}; add axes with {@link #grid}. */
    public static Sweep over(Erasure base) {
        return new Sweep(Objects.requireNonNull(base, "base erasure"), List.of(), null, List.of(), List.of(), null, ProgressListener.NONE);
    }

    /** A sweep over configurations given one by one. */
    public static Sweep of(List<Configuration> configurations) {
        if (configurations.isEmpty()) throw new IllegalArgumentException("no configurations given");
        return new Sweep(null, List.of(), List.copyOf(configurations), List.of(), List.of(), null, ProgressListener.NONE);
    }

    /** Adds a known axis (see the class comment). */
    public Sweep grid(String name, Object... values) {
        return grid(name, known(name), values);
    }

    /** Adds an axis that applies each value to the erasure with {@code apply}. */
    public Sweep grid(String name, BiFunction<Erasure, Object, Erasure> apply, Object... values) {
        if (explicit != null) throw new IllegalStateException("grid(...) needs Sweep.over(base), not a configuration list");
        if (values.length == 0) throw new IllegalArgumentException("axis '" + name + "' has no values");
        for (Object v : values) if (v instanceof Number n) Finite.require("sweep axis '" + name + "' value", n.doubleValue());
        if (axes.stream().anyMatch(a -> a.name().equals(name))) throw new IllegalArgumentException("axis '" + name + "' given twice");
        List<Axis> a = new ArrayList<>(axes);
        a.add(new Axis(name, apply, List.of(values)));
        return new Sweep(base, a, explicit, extra, metrics, csv, listener);
    }

    /**
     * Configurations run after the grid (or list), e.g. another method at one setting next to an ESD
     * grid; a parameter a configuration does not name is an empty cell (NaN in numeric columns).
     */
    public Sweep plus(Configuration... configurations) {
        List<Configuration> more = new ArrayList<>(extra);
        more.addAll(List.of(configurations));
        return new Sweep(base, axes, explicit, more, metrics, csv, listener);
    }

    public Sweep metrics(Metric... ms) {
        Set<String> names = new LinkedHashSet<>();
        for (Metric m : ms) {
            if (!names.add(m.name())) throw new IllegalArgumentException("two metrics named '" + m.name() + "'");
        }
        return new Sweep(base, axes, explicit, extra, List.of(ms), csv, listener);
    }

    /** Where finished configurations are recorded; an existing file resumes the sweep. */
    public Sweep resultsCsv(Path file) {
        return new Sweep(base, axes, explicit, extra, metrics, file, listener);
    }

    /** Progress in configurations over the whole sweep (each run's own iterations are not reported). */
    public Sweep onProgress(ProgressListener l) {
        return new Sweep(base, axes, explicit, extra, metrics, csv, l == null ? ProgressListener.NONE : l);
    }

    /** The configurations in run order (grid: first axis outermost; then those added with {@link #plus}). */
    public List<Configuration> configurations() {
        List<Configuration> out = new ArrayList<>();
        if (explicit != null) out.addAll(explicit);
        else expand(0, base, new LinkedHashMap<>(), out);
        out.addAll(extra);
        return out;
    }

    /**
     * The same sweep (metrics, results file, progress) over only the configurations {@code keep}
     * accepts, in run order: one shard of a cluster run ({@code dev.erasure.cluster.Shard}), or the
     * finished part of a partial merge. Ids are unchanged, so results stay keyed alike.
     */
    public Sweep only(Predicate<Configuration> keep) {
        return new Sweep(null, List.of(), configurations().stream().filter(keep).toList(), List.of(), metrics, csv, listener);
    }

    private void expand(int axis, Erasure e, Map<String, String> labels, List<Configuration> out) {
        if (axis == axes.size()) {
            out.add(new Configuration(labels, e));
            return;
        }
        Axis a = axes.get(axis);
        for (Object v : a.values()) {
            Map<String, String> next = new LinkedHashMap<>(labels);
            next.put(a.name(), Configuration.label(v));
            expand(axis + 1, a.apply().apply(e, v), next, out);
        }
    }

    /** Runs every configuration not yet in the results file, then returns the whole table. */
    public Table run() {
        List<Configuration> configs = configurations();
        List<String> params = new ArrayList<>(new LinkedHashSet<>(configs.stream().flatMap(c -> c.params().keySet().stream()).toList()));
        Set<String> ids = new LinkedHashSet<>();
        for (Configuration c : configs) {
            if (!ids.add(c.id())) throw new IllegalArgumentException("two configurations share the id '" + c.id() + "'");
        }
        List<String> header = new ArrayList<>();
        header.add("id");
        header.addAll(params);
        metrics.forEach(m -> header.add(m.name()));
        header.add(LOSS_CURVE);
        ResultsCsv results = ResultsCsv.open(csv, header);
        try (Task task = Task.start("sweep", configs.size(), listener)) {
            long done = configs.stream().filter(c -> results.has(c.id())).count();
            if (done > 0) task.step(done, null, done + " finished earlier");
            for (Configuration c : configs) {
                if (results.has(c.id())) continue;
                Cancellation.checkIfStopRequested(); // a preempted shard stops between configurations
                results.add(runOne(c, params));
                deleteCheckpoint(c);
                task.step(1, null, c.id());
            }
        }
        return table(configs, params, header, results);
    }

    private List<String> runOne(Configuration c, List<String> params) {
        List<String> row = new ArrayList<>();
        row.add(c.id());
        for (String p : params) row.add(c.params().getOrDefault(p, ""));
        try (ErasureResult r = preemptible(c).run()) {
            if (r.cancelled()) throw new CancelledException("sweep cancelled during " + c.id());
            for (Metric m : metrics) row.add(format(m.evaluate(r)));
            row.add(lossCurve(r));
        }
        return row;
    }

    /**
     * With a results file, a configuration's erasure gets a checkpoint folder beside it (written only
     * when a stop is requested between iterations: a preempted cluster task) and resumes from it when
     * one is there, so a requeued task continues the erasure in hand bit-exactly instead of redoing it.
     * A configuration that sets its own checkpoints, or whose method has none (UCE), runs as given.
     */
    private Erasure preemptible(Configuration c) {
        Erasure e = c.erasure();
        if (csv == null || e.checkpointDir() != null || e.resumeDir() != null
                || !e.method().options().contains(Method.Option.CHECKPOINTS)) {
            return e;
        }
        Path dir = checkpointFolder(c);
        e = e.checkpointEvery(0, dir);
        return Files.exists(dir.resolve("latest")) ? e.resume(dir) : e;
    }

    /** The checkpoint folder of a configuration: beside the results file, named by its id (made file-safe, hashed to stay unique). */
    Path checkpointFolder(Configuration c) {
        String safe = c.id().replaceAll("[^A-Za-z0-9._=-]", "_");
        if (safe.length() > 80) safe = safe.substring(0, 80);
        return csv.resolveSibling(csv.getFileName() + ".checkpoints").resolve(safe + "-" + Integer.toHexString(c.id().hashCode()));
    }

    private void deleteCheckpoint(Configuration c) {
        if (csv == null) return;
        try {
            AtomicFiles.deleteTree(checkpointFolder(c));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the finished configuration's checkpoint " + checkpointFolder(c), e);
        }
    }

    private static String lossCurve(ErasureResult r) {
        StringBuilder b = new StringBuilder();
        for (StepRecord s : r.records()) {
            Double v = s.losses().get("loss");
            if (v != null && s.updatesModel()) b.append(b.length() == 0 ? "" : " ").append(format(v));
        }
        return b.toString();
    }

    private static String format(double v) {
        return Double.toString(v);
    }

    private static Table table(List<Configuration> configs, List<String> params, List<String> header, ResultsCsv results) {
        List<List<String>> rows = configs.stream().map(c -> results.row(c.id())).toList();
        Table t = Table.create("sweep");
        for (int col = 0; col < header.size(); col++) {
            String name = header.get(col);
            int k = col;
            List<String> cells = rows.stream().map(r -> r.get(k)).toList();
            boolean text = name.equals("id") || name.equals(LOSS_CURVE) || (params.contains(name) && !numeric(cells));
            if (text) t.addColumns(StringColumn.create(name, cells));
            else t.addColumns(DoubleColumn.create(name, cells.stream().mapToDouble(Sweep::parse).toArray()));
        }
        return t;
    }

    /** Whether every cell is a number or empty (a parameter that configuration does not name). */
    private static boolean numeric(List<String> cells) {
        for (String s : cells) {
            if (s.isEmpty()) continue;
            try {
                Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static double parse(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static BiFunction<Erasure, Object, Erasure> known(String name) {
        switch (name) {
            case "iterations": case "steps": return (e, v) -> e.iterations(number(name, v).intValue());
            case "learningRate": case "lr": return (e, v) -> e.learningRate(number(name, v).doubleValue());
            case "seed": return (e, v) -> e.seed(number(name, v).longValue());
            case "K": return (e, v) -> e.preserve(Preserve.adversarial(number(name, v).intValue()));
            case "preserve": return (e, v) -> e.preserve(cast(name, v, Preserve.class));
            case "params": return (e, v) -> e.train(v instanceof String s ? Params.named(s) : cast(name, v, Params.class));
            case "method": return (e, v) -> e.method(cast(name, v, Method.class));
            case "ddimGrid": case "ddimSteps": return (e, v) -> e.ddimGrid(number(name, v).intValue());
            case "startGuidance": return (e, v) -> e.startGuidance(number(name, v).doubleValue());
            case "negativeGuidance": return (e, v) -> e.negativeGuidance(number(name, v).doubleValue());
            default:
                throw new IllegalArgumentException("unknown sweep parameter '" + name + "'; known: iterations (steps), learningRate (lr), seed, K, "
                        + "preserve, params, method, ddimGrid (ddimSteps), startGuidance, negativeGuidance; or grid(name, (erasure, value) -> ..., values)");
        }
    }

    private static Number number(String name, Object v) {
        if (v instanceof Number n) return n;
        throw new IllegalArgumentException(String.format(Locale.ROOT, "sweep parameter '%s' needs numbers, got %s", name, v));
    }

    private static <T> T cast(String name, Object v, Class<T> type) {
        if (type.isInstance(v)) return type.cast(v);
        throw new IllegalArgumentException("sweep parameter '" + name + "' needs a " + type.getSimpleName() + ", got " + v);
    }
}
