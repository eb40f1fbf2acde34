package dev.erasure.cli;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.FrontierResult;
import dev.erasure.toy.ShapeWorld;
import dev.erasure.toy.ShapeWorldEval;
import dev.erasure.viz.Charts;
import dev.erasure.viz.ImageGrid;
import dev.erasure.viz.Pareto;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The ShapeWorld quickstart: erases one shape from the shipped ShapeWorld model on SD's noise schedule
 * (models/shapeworld-scaled-linear) with ESD (corrected) and with EAP (corrected), judges 16 images per
 * shape prompt with the concept classifier, and writes a report: an image grid (original / ESD / EAP), the
 * ESR-1/PSR-1 table (methods.md §7.3 with the classifier as the judge), the collateral-damage chart
 * (agreement drop per concept), this run's trade-off curves and the recorded frontier study (4 erase sets ×
 * 2 seeds, issue #18) it is a glimpse of. Minutes on 2 CPU cores.
 */
final class ShapeWorldQuickstart {
    static final int IMAGES = 16;
    static final int SAMPLING_STEPS = 20;
    static final float GUIDANCE = 3f;
    /** The shipped model the quickstart erases from by default. */
    static final String MODEL = "models/shapeworld-scaled-linear";
    /** The recorded frontier study of {@link #MODEL} (bench/), shown in the report beside this run's curves. */
    static final String STUDY = "bench/shapeworld-frontier-scaled-linear-2core-contended-20261207";
    static final String ESD = "ESD (corrected)";
    static final String EAP = "EAP (corrected)";

    private ShapeWorldQuickstart() {
    }

    /** --target must name one of the world's shapes; checked before the model loads. */
    static void checkTarget(String target) {
        List<Concept> shapes = shapes(new ShapeWorld(ShapeWorld.DEFAULT_SIZE));
        if (shapes.stream().noneMatch(c -> c.word().equals(target))) {
            throw new Main.UsageException("--target must be one of the shapes "
                    + shapes.stream().map(Concept::word).toList() + ", got '" + target + "'");
        }
    }

    private static List<Concept> shapes(ShapeWorld world) {
        return ShapeWorldEval.shapeAndColourConcepts(world).stream().filter(c -> c.prompt().startsWith("a ")).toList();
    }

    static void run(Path modelDir, Path outDir, String target, int iterations) throws IOException {
        checkTarget(target);
        Files.createDirectories(outDir);
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(modelDir)) {
            ConceptClassifier judge = ConceptClassifier.load(modelDir.resolve("classifier"), sd.manager());
            ShapeWorld world = new ShapeWorld(ShapeWorld.DEFAULT_SIZE);
            List<Concept> shapes = shapes(world);
            ShapeWorldEval eval = new ShapeWorldEval(judge, IMAGES, SAMPLING_STEPS, GUIDANCE);
            // Small-world settings: 16-pixel "latents", a 20-step GenLatent grid, lr 1e-3 (the paper's
            // 1e-5 is for SD-1.4's 860 M parameters); EAP searches the world's own words. Both corrected
            // (methods.md §9: GenLatent's offset; EAP's target not among its own candidates), as the bench's
            // frontier compares them: the official offset alone changes ESD's speed (issue #18).
            Erasure base = Erasure.of(sd).target(target).train(Params.crossAttention()).compat(Compat.CORRECTED)
                    .ddimGrid(20).learningRate(1e-3).seed(1);
            List<String> words = world.vocabulary().stream().map(Concept::word).distinct().toList();
            Map<String, Erasure> methods = new LinkedHashMap<>();
            methods.put(ESD, base);
            methods.put(EAP, base.vocabulary(Vocabulary.of(words)).preserve(Preserve.adversarial(4).kClosest(12)));
            Map<String, Map<Integer, Table>> partial = new LinkedHashMap<>();
            Map<String, ErasureResult> results = erase(methods, iterations, eval, shapes, target, partial, start);
            Map<String, StableDiffusion> models = new LinkedHashMap<>();
            models.put("original", sd);
            results.forEach((m, r) -> models.put(m, r.model()));
            ErasureResult eap = results.get(EAP);

            System.out.printf("judging %s on every concept of the world ... (%.0f s)%n", models.keySet(), (System.nanoTime() - start) / 1e9);
            Table perConcept = compare(eval, models, world.vocabulary());
            Table perShape = perConcept.where(perConcept.stringColumn("concept").isIn(shapes.stream().map(Concept::word).toList()));
            Table scores = scoreTable(perShape, target);
            // the sensitivity spectrum (paper §3.2) with the classifier as the score: concepts sorted by ESD's damage
            Table spectrum = perConcept.copy();
            spectrum.addColumns(spectrum.doubleColumn("original").subtract(spectrum.doubleColumn(ESD)).setName("drop"));
            spectrum = spectrum.sortDescendingOn("drop").removeColumns("drop");
            Charts.png(ShapeWorldEval.dropChart(spectrum, "Erasing '" + target
                    + "': drop in classifier agreement per concept prompt (sensitivity spectrum)"), outDir.resolve("collateral.png"));
            grid(eval, models, shapes, target).save(outDir.resolve("grid.png"));
            Table frontier = frontier(target, perShape, iterations, partial);
            Charts.png(frontierChart(frontier, target), outDir.resolve("frontier.png"));
            String study = study(modelDir, outDir);
            AtomicFiles.writeString(outDir.resolve("report.html"), html(target, iterations, eap, scores, perConcept, study,
                    (System.nanoTime() - start) / 1e9));
            System.out.println(scores.print());
            System.out.println(frontier.print());
            System.out.printf("wrote %s in %.0f s%n", outDir.resolve("report.html").toAbsolutePath(),
                    (System.nanoTime() - start) / 1e9);
            results.values().forEach(ErasureResult::close);
        }
    }

    /**
     * The recorded study's section of the report when the model is the shipped {@link #MODEL} and the study is
     * found from the working directory up: its frontier chart (study.png) and PSR-1 at matched ESR-1; else a line
     * saying why it is left out (a study of one model says nothing about another).
     */
    static String study(Path modelDir, Path outDir) throws IOException {
        Path shipped = Main.repositoryPath(MODEL, Files::isDirectory);
        if (shipped == null || !Files.isSameFile(shipped, modelDir)) {
            return "<p>The recorded frontier study (<code>" + STUDY + "</code>) is of " + MODEL + "; this run's model is "
                    + modelDir + ", so it is not shown.</p>";
        }
        Path dir = Main.repositoryPath(STUDY, d -> Files.isRegularFile(d.resolve("points.csv")));
        if (dir == null) return "<p>The recorded frontier study <code>" + STUDY + "</code> was not found.</p>";
        FrontierResult r = FrontierResult.of(FrontierResult.readPoints(List.of(dir.resolve("points.csv"))),
                List.of(80.0, 90.0, 95.0), ESD);
        XYChart chart = r.chart();
        chart.setTitle("Recorded study: 4 erase sets x 2 seeds, mean curves");
        Charts.png(chart, outDir.resolve("study.png"));
        Table matched = r.matched().where(r.matched().stringColumn("method").isIn(ESD, EAP));
        return "<p>The comparison this run glimpses, recorded over 4 erase sets of three shapes × 2 erasure seeds, 16 images per"
                + " prompt (<code>" + STUDY + "</code>; rerun: <code>./erasure shapeworld-frontier</code>, bench/README.md), each"
                + " method at a few strengths (iterations per erased shape); the table reads PSR-1 off every run's curve at"
                + " the same ESR-1 and pairs each run with " + ESD + " on the same set and seed.</p><img src=study.png>"
                + htmlTable(matched.selectColumns("method", "ESR-1 target", "PSR-1", "PSR-1 ±", "reached",
                        "Δ PSR-1 vs " + ESD, "Δ ±", "pairs"));
    }

    /**
     * Runs each method to {@code iterations}, judging the shapes on the way at ¼ and ½ of them into {@code partial}
     * (the trade-off as curves, not points, issue #18; one chained run per method: the later counts resume the
     * earlier ones; one erasure seed, so a glimpse, not the bench's frontier). Returns the final results, open.
     * The methods are independent seeded runs on one libtorch thread each, so they run side by side, one per core.
     */
    static Map<String, ErasureResult> erase(Map<String, Erasure> methods, int iterations, ShapeWorldEval eval, List<Concept> shapes,
                                            String target, Map<String, Map<Integer, Table>> partial, long start) {
        List<Integer> counts = counts(iterations);
        Map<String, Callable<ErasureResult>> tasks = new LinkedHashMap<>();
        for (Map.Entry<String, Erasure> m : methods.entrySet()) {
            Map<Integer, Table> onTheWay = new LinkedHashMap<>(); // filled by that method's task only
            partial.put(m.getKey(), onTheWay);
            tasks.put(m.getKey(), () -> {
                System.out.printf("erasing '%s' with %s, judging the shapes at %s iterations on the way ... (%.0f s)%n", target,
                        m.getKey(), counts.subList(0, counts.size() - 1), (System.nanoTime() - start) / 1e9);
                return m.getValue().runThrough(counts, (n, r) -> {
                    if (n < iterations) onTheWay.put(n, scoreTable(eval.compare(Map.of(m.getKey(), r.model()), shapes), target));
                });
            });
        }
        return sideBySide(tasks, ErasureResult::close);
    }

    /**
     * Agreement per concept ({@link ShapeWorldEval#compare}) with each model judged on its own thread, side by side;
     * the same table as the sequential call (each model's images depend only on the model and the seeds).
     */
    static Table compare(ShapeWorldEval eval, Map<String, StableDiffusion> models, List<Concept> concepts) {
        Map<String, Callable<Table>> tasks = new LinkedHashMap<>();
        models.forEach((name, m) -> tasks.put(name, () -> eval.compare(Map.of(name, m), concepts)));
        Map<String, Table> judged = sideBySide(tasks, t -> { });
        Table out = Table.create("agreement per prompt (%)", judged.values().iterator().next().stringColumn("concept").copy());
        judged.forEach((name, t) -> out.addColumns(t.doubleColumn(name).copy()));
        return out;
    }

    /**
     * Runs {@code tasks} on one thread per core (at most one per task) and returns their results in task order; if
     * one fails, the results already made are released with {@code release} and its error is rethrown.
     */
    static <T> Map<String, T> sideBySide(Map<String, Callable<T>> tasks, Consumer<T> release) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(tasks.size(), Runtime.getRuntime().availableProcessors())));
        try {
            Map<String, Future<T>> futures = new LinkedHashMap<>();
            tasks.forEach((name, task) -> futures.put(name, pool.submit(task)));
            Map<String, T> out = new LinkedHashMap<>();
            RuntimeException failure = null;
            for (Map.Entry<String, Future<T>> f : futures.entrySet()) {
                try {
                    out.put(f.getKey(), f.getValue().get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(f.getKey() + " failed", e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) failure = new IllegalStateException("interrupted while waiting for " + f.getKey(), e);
                }
            }
            if (failure != null) {
                out.values().forEach(release);
                throw failure;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The curve's counts: {@code iterations}/4, /2 (where ≥ 1) and {@code iterations}. */
    static List<Integer> counts(int iterations) {
        return java.util.stream.IntStream.of(iterations / 4, iterations / 2, iterations).filter(n -> n >= 1).distinct().boxed().toList();
    }

    /**
     * ESR-1/PSR-1 of the original and of each method at its {@code partial} counts (score tables judged on the way)
     * and at {@code iterations} (from {@code perShape}), with the Pareto front over all points marked.
     */
    static Table frontier(String target, Table perShape, int iterations, Map<String, Map<Integer, Table>> partial) {
        Table points = Table.create("Trade-off curves (one erasure seed)", StringColumn.create("method"), IntColumn.create("iterations"),
                DoubleColumn.create("ESR-1 %"), DoubleColumn.create("PSR-1 %"));
        Table original = scoreTable(perShape.select("concept", "original"), target);
        for (String m : partial.keySet()) addPoint(points, m, 0, original, 0);
        for (Map.Entry<String, Map<Integer, Table>> m : partial.entrySet()) {
            m.getValue().forEach((n, scores) -> addPoint(points, m.getKey(), n, scores, 0));
            addPoint(points, m.getKey(), iterations, scoreTable(perShape.select("concept", m.getKey()), target), 0);
        }
        double[] x = points.doubleColumn("ESR-1 %").asDoubleArray();
        double[] y = points.doubleColumn("PSR-1 %").asDoubleArray();
        boolean[] front = new boolean[x.length];
        for (int i : Pareto.front(x, y, Pareto.Goal.MAX, Pareto.Goal.MAX)) front[i] = true;
        points.addColumns(BooleanColumn.create("Pareto", front));
        return points;
    }

    private static void addPoint(Table points, String method, int iterations, Table scores, int row) {
        points.stringColumn("method").append(method);
        points.intColumn("iterations").append(iterations);
        points.doubleColumn("ESR-1 %").append(scores.doubleColumn("ESR-1 %").get(row));
        points.doubleColumn("PSR-1 %").append(scores.doubleColumn("PSR-1 %").get(row));
    }

    static XYChart frontierChart(Table points, String target) {
        XYChart c = Charts.curves(points, "ESR-1 %", "PSR-1 %", "method", "Pareto");
        c.setTitle("Erasing '" + target + "': preservation vs erasure as iterations grow (0, ¼, ½, all)");
        return Charts.percentAxes(c, points.doubleColumn("PSR-1 %").asDoubleArray());
    }

    /** ESR-1 = share of target-prompt images not judged the target; PSR-1 = mean agreement on the other shapes. */
    static Table scoreTable(Table perShape, String target) {
        StringColumn method = StringColumn.create("method");
        DoubleColumn esr = DoubleColumn.create("ESR-1 %");
        DoubleColumn psr = DoubleColumn.create("PSR-1 %");
        Table erased = perShape.where(perShape.stringColumn("concept").isEqualTo(target));
        Table kept = perShape.where(perShape.stringColumn("concept").isNotEqualTo(target));
        for (int m = 1; m < perShape.columnCount(); m++) {
            String name = perShape.column(m).name();
            method.append(name);
            esr.append(Math.round(10 * (100 - erased.doubleColumn(name).get(0))) / 10.0);
            psr.append(Math.round(10 * kept.doubleColumn(name).mean()) / 10.0);
        }
        return Table.create("ESR-1 / PSR-1 (classifier top-1, " + IMAGES + " images per shape)", method, esr, psr);
    }

    static ImageGrid grid(ShapeWorldEval eval, Map<String, StableDiffusion> models, List<Concept> shapes, String target) {
        List<String> cols = new ArrayList<>();
        // the method's first word: "ESD (corrected) #0" does not fit a column (the report names the methods in full)
        for (String m : models.keySet()) for (int s = 0; s < 2; s++) cols.add(m.split(" ")[0] + " #" + s);
        ImageGrid g = ImageGrid.columns(cols.toArray(String[]::new)).cellSize(72)
                .title("'" + target + "' erased (red row); seeds 0, 1");
        List<String> prompts = shapes.stream().map(Concept::prompt).toList();
        List<List<List<BufferedImage>>> byModel = models.values().stream()
                .map(m -> eval.images(m, prompts, 2, ShapeWorld.DEFAULT_SIZE)).toList();
        for (int c = 0; c < shapes.size(); c++) {
            List<BufferedImage> row = new ArrayList<>();
            for (List<List<BufferedImage>> images : byModel) row.addAll(images.get(c));
            g = g.row(shapes.get(c).prompt(), shapes.get(c).word().equals(target), row);
        }
        return g;
    }

    static String html(String target, int iterations, ErasureResult eap, Table scores, Table perConcept, String study,
                       double seconds) {
        return "<!doctype html><meta charset=utf-8><title>Erasure quickstart</title>"
                + "<h1>Erasing '" + target + "' from the ShapeWorld model</h1>"
                + "<p>" + ESD + " and " + EAP + ", " + iterations + " iterations each, cross-attention weights; judged by the ShapeWorld concept "
                + "classifier on " + IMAGES + " images per prompt (DDIM " + SAMPLING_STEPS + " sampling steps, CFG " + GUIDANCE
                + "). EAP's adversarial candidates: " + eap.candidates().get(0).words() + ". Total "
                + Math.round(seconds) + " s.</p>"
                + "<h2>Scores</h2>" + htmlTable(scores)
                + "<h2>Trade-off curves</h2><p>Each method at 0, ¼, ½ and all of its iterations (one erasure seed; compare"
                + " methods at equal ESR-1 along the curves, not single points: <code>./erasure shapeworld-frontier</code>"
                + " does it over erase sets and seeds).</p><img src=frontier.png>"
                + "<h2>The recorded frontier study</h2>" + study
                + "<h2>Agreement per concept prompt (%)</h2>" + htmlTable(perConcept)
                + "<h2>Sensitivity spectrum: collateral damage per concept</h2><img src=collateral.png>"
                + "<h2>Samples</h2><img src=grid.png>";
    }

    static String htmlTable(Table t) {
        StringBuilder sb = new StringBuilder("<table border=1 cellpadding=4><tr>");
        for (String c : t.columnNames()) sb.append("<th>").append(c).append("</th>");
        sb.append("</tr>");
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append("<tr>");
            for (int c = 0; c < t.columnCount(); c++) {
                boolean missing = t.column(c).isMissing(r); // a matched-ESR target a curve never reaches: blank, not "null"
                sb.append("<td>").append(missing ? "" : t.get(r, c)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</table>").toString();
    }
}
