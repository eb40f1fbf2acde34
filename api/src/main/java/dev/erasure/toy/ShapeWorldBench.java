package dev.erasure.toy;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.erase.Method;
import dev.erasure.io.Finite;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Configuration;
import dev.erasure.sweep.Metric;
import dev.erasure.sweep.Sweep;
import dev.erasure.toy.Concept.Attribute;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The seed paper's Table 1 in miniature (methods.md §7.3 on ShapeWorld): for each erase set (by
 * default four sets of three shapes, erased jointly, like Imagenette's splits v1–v4) and each method,
 * erase, generate {@code n} images per concept prompt, and let the concept classifier judge them:
 * <ul>
 * <li>ESR-k = share of images of an erased concept whose prompted value is <em>not</em> among the
 * classifier's top-k classes;</li>
 * <li>PSR-k = share of images of a kept concept whose prompted value <em>is</em> among the top-k.</li>
 * </ul>
 * Results: one row per (method, erase set) in {@link Result#perSet()} and mean ± std over the sets in
 * {@link Result#summary()}. Image i of every prompt uses seed i in every model, so the methods are
 * compared on the same starting noise; the original model is judged once and reused for every set.
 *
 * <pre>{@code
 * ShapeWorldBench.Result r = ShapeWorld.bench(sd, judge).methods(ShapeWorldMethods.all()).run();
 * r.summary();
 * }</pre>
 */
public final class ShapeWorldBench {
    /**
     * The default shape erase sets. Each erases one member of both look-alike pairs (circle/ring,
     * square/diamond) and keeps the other, so every set measures collateral damage on a neighbour;
     * over the four sets each pair member is erased twice.
     */
    public static final List<List<String>> SHAPE_SETS = List.of(
            List.of("circle", "square", "triangle"),
            List.of("ring", "diamond", "star"),
            List.of("circle", "diamond", "heart"),
            List.of("ring", "square", "cross"));

    /**
     * How one bench column sets up its erasure for an erase set: the method and its per-set options,
     * applied to the set's targets; the bench then adds its shared options (grid, lr, iterations,
     * seed) that the chosen method reads and the setup left unset ({@link #erasure}). {@code null}
     * means "judge the original model" ({@link ShapeWorldMethods#ORIGINAL}).
     */
    @FunctionalInterface
    public interface Setup {
        Erasure apply(Erasure base, EraseSet set);
    }

    /** What a setup may need to know: the erased and kept concepts and the world's words (a vocabulary). */
    public record EraseSet(String name, List<Concept> erased, List<Concept> kept, List<String> worldWords) {
        public List<String> erasedWords() {
            return erased.stream().map(Concept::word).toList();
        }

        public List<String> keptPrompts() {
            return kept.stream().map(Concept::prompt).toList();
        }
    }

    /** Per-set rows and the mean ± std summary. */
    public record Result(Table perSet, Table summary) {
    }

    private final StableDiffusion model;
    private final ConceptClassifier judge;
    private ShapeWorld world = ShapeWorld.standard();
    private List<List<String>> eraseSets = SHAPE_SETS;
    private Set<Attribute> keptAttributes;
    private Map<String, Setup> methods = ShapeWorldMethods.standard();
    private int imagesPerPrompt = 16;
    private int samplingSteps = 20;
    private float guidance = 3f;
    private int topK = 3;
    private int iterationsPerConcept = 100;
    private double learningRate = 1e-3;
    private long seed = 1;
    private ProgressListener listener = ProgressListener.NONE;

    private ShapeWorldBench(StableDiffusion model, ConceptClassifier judge) {
        this.model = Objects.requireNonNull(model, "model");
        this.judge = Objects.requireNonNull(judge, "judge");
    }

    /** The shape bench with the standard methods (original, ESD, ESD + neutral, EAP); see {@link ShapeWorld#bench}. */
    public static ShapeWorldBench of(StableDiffusion model, ConceptClassifier judge) {
        return new ShapeWorldBench(model, judge);
    }

    private ShapeWorldBench copy(Consumer<ShapeWorldBench> change) {
        ShapeWorldBench b = new ShapeWorldBench(model, judge);
        b.world = world;
        b.eraseSets = eraseSets;
        b.keptAttributes = keptAttributes;
        b.methods = methods;
        b.imagesPerPrompt = imagesPerPrompt;
        b.samplingSteps = samplingSteps;
        b.guidance = guidance;
        b.topK = topK;
        b.iterationsPerConcept = iterationsPerConcept;
        b.learningRate = learningRate;
        b.seed = seed;
        b.listener = listener;
        change.accept(b);
        return b;
    }

    /** The world whose vocabulary names the concepts (default: {@link ShapeWorld#standard()}). */
    public ShapeWorldBench world(ShapeWorld w) {
        return copy(b -> b.world = Objects.requireNonNull(w, "world"));
    }

    /**
     * The erase sets, each a list of words of one attribute erased jointly (shapes, or styles:
     * {@code eraseSets(List.of(List.of("outlined")))}); the kept concepts are the other values of that
     * attribute (see {@link #keep}).
     */
    public ShapeWorldBench eraseSets(List<List<String>> sets) {
        if (sets == null || sets.isEmpty()) throw new IllegalArgumentException("eraseSets needs at least one set");
        List<List<String>> copy = sets.stream().map(List::copyOf).toList();
        return copy(b -> b.eraseSets = copy);
    }

    /** Also counts the concepts of these attributes as kept (PSR), e.g. shapes when erasing a style. */
    public ShapeWorldBench keep(Attribute... attributes) {
        Set<Attribute> s = Set.of(attributes);
        return copy(b -> b.keptAttributes = s);
    }

    /** The methods (name → setup), in table order, e.g. {@link ShapeWorldMethods#all()}. */
    public ShapeWorldBench methods(Map<String, Setup> m) {
        if (m == null || m.isEmpty()) throw new IllegalArgumentException("methods needs at least one method");
        m.forEach((k, v) -> Objects.requireNonNull(v, () -> "setup of method '" + k + "'"));
        Map<String, Setup> copy = new LinkedHashMap<>(m);
        return copy(b -> b.methods = copy);
    }

    /** Only these of the current methods, in this order (names as in {@link ShapeWorldMethods}). */
    public ShapeWorldBench only(String... names) {
        Map<String, Setup> picked = new LinkedHashMap<>();
        for (String n : names) {
            Setup r = methods.get(n);
            if (r == null) {
                throw new IllegalArgumentException("no method '" + n + "' in the bench; have " + methods.keySet());
            }
            picked.put(n, r);
        }
        return methods(picked);
    }

    /** Images per concept prompt (n; default 16). */
    public ShapeWorldBench imagesPerPrompt(int n) {
        if (n < 1) throw new IllegalArgumentException("imagesPerPrompt must be >= 1, got " + n);
        return copy(b -> b.imagesPerPrompt = n);
    }

    /** DDIM sampling steps and guidance of the judged images (default 20, 3). */
    public ShapeWorldBench sampling(int samplingSteps, double cfg) {
        Finite.require("ShapeWorldBench sampling guidance", cfg);
        if (samplingSteps < 1) throw new IllegalArgumentException("samplingSteps must be >= 1, got " + samplingSteps);
        return copy(b -> {
            b.samplingSteps = samplingSteps;
            b.guidance = (float) cfg;
        });
    }

    /** k of ESR-k/PSR-k besides k = 1 (default 3 of the 8 shapes; 1 reports top-1 only). */
    public ShapeWorldBench topK(int k) {
        if (k < 1) throw new IllegalArgumentException("topK must be >= 1, got " + k);
        return copy(b -> b.topK = k);
    }

    /** Erasure iterations (θ updates) per erased concept (default 100: 300 for a set of three). */
    public ShapeWorldBench iterationsPerConcept(int n) {
        if (n < 1) throw new IllegalArgumentException("iterationsPerConcept must be >= 1, got " + n);
        return copy(b -> b.iterationsPerConcept = n);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterationsPerConcept(int)}, the θ updates per erased concept. */
    @Deprecated
    public ShapeWorldBench stepsPerConcept(int n) {
        return iterationsPerConcept(n);
    }

    /** The erasures' learning rate (default 1e-3; the paper's 1e-5 is for SD-1.4's 860 M parameters). */
    public ShapeWorldBench learningRate(double lr) {
        Finite.require("ShapeWorldBench learningRate", lr);
        return copy(b -> b.learningRate = lr);
    }

    public ShapeWorldBench seed(long s) {
        return copy(b -> b.seed = s);
    }

    /** Progress over (method × erase set) runs; the kernel shows it as a bar. */
    public ShapeWorldBench onProgress(ProgressListener l) {
        return copy(b -> b.listener = l == null ? ProgressListener.NONE : l);
    }

    /** The erase sets as the bench resolves them (erased and kept concepts), validated. */
    public List<EraseSet> resolvedSets() {
        return resolve(world, eraseSets, keptAttributes);
    }

    /**
     * Erase sets of words resolved against a world (without a model: a command line checks its
     * arguments with it before loading one); {@code keptAttributes} null keeps the erased attribute.
     */
    public static List<EraseSet> resolve(ShapeWorld world, List<List<String>> eraseSets, Set<Attribute> keptAttributes) {
        List<Concept> vocabulary = world.vocabulary();
        List<String> words = vocabulary.stream().map(Concept::word).distinct().toList();
        List<EraseSet> out = new ArrayList<>();
        for (List<String> set : eraseSets) {
            if (set.isEmpty()) throw new IllegalArgumentException("an erase set is empty: " + eraseSets);
            List<Concept> erased = new ArrayList<>();
            for (String w : set) {
                Concept c = vocabulary.stream().filter(v -> v.word().equals(w)).findFirst().orElseThrow(() ->
                        new IllegalArgumentException("'" + w + "' in erase set " + set + " is not a concept of the world " + words));
                erased.add(c);
            }
            Attribute attribute = erased.get(0).attribute();
            if (erased.stream().anyMatch(c -> c.attribute() != attribute)) {
                throw new IllegalArgumentException("erase set " + set + " mixes attributes; erase shapes or styles, not both");
            }
            Set<Attribute> keptKinds = keptAttributes != null ? keptAttributes : Set.of(attribute);
            List<Concept> kept = vocabulary.stream()
                    .filter(c -> !erased.contains(c) && (c.attribute() == attribute || keptKinds.contains(c.attribute())))
                    .toList();
            if (kept.isEmpty()) throw new IllegalArgumentException("erase set " + set + " leaves no concept to preserve");
            out.add(new EraseSet(String.join("+", set), erased, kept, words));
        }
        return out;
    }

    /**
     * The ESD family's base on a set: the targets and every shared option (the world's grid, lr,
     * iterations, seed; cross-attention, the default). Other methods read only some of these:
     * {@link #erasure} gives each what it reads.
     */
    public Erasure base(EraseSet set) {
        return withShared(targets(set), set, iterationsPerConcept, seed);
    }

    /** Column {@code setup}'s erasure of {@code set} as the bench runs it (null: the original model). */
    public Erasure erasure(Setup setup, EraseSet set) {
        return erasure(setup, set, iterationsPerConcept, seed);
    }

    private Erasure erasure(Setup setup, EraseSet set, int iterationsPerErased, long erasureSeed) {
        Erasure e = setup.apply(targets(set), set);
        return e == null ? null : withShared(e, set, iterationsPerErased, erasureSeed);
    }

    private Erasure targets(EraseSet set) {
        return Erasure.of(model).targets(set.erasedWords().toArray(String[]::new));
    }

    /**
     * The bench's shared options that {@code e}'s method reads and {@code e} leaves unset (a method
     * refuses an option it does not read: UCE's closed form reads none of them).
     */
    private Erasure withShared(Erasure e, EraseSet set, int iterationsPerErased, long erasureSeed) {
        Set<Method.Option> reads = e.method().options();
        if (reads.contains(Method.Option.DDIM_GRID) && e.ddimGrid() == null) e = e.ddimGrid(samplingSteps);
        if (reads.contains(Method.Option.ITERATIONS) && e.iterations() == null) e = e.iterations(iterationsPerErased * set.erased().size());
        if (reads.contains(Method.Option.LEARNING_RATE) && e.learningRate() == null) e = e.learningRate(learningRate);
        if (reads.contains(Method.Option.SEED) && e.seed() == null) e = e.seed(erasureSeed);
        return e;
    }

    /** Runs every method on every erase set; cancellable between and inside runs. */
    public Result run() {
        List<EraseSet> sets = resolvedSets();
        ShapeWorldEval eval = new ShapeWorldEval(judge, imagesPerPrompt, samplingSteps, guidance);
        Map<Concept, int[]> originalRanks = new HashMap<>();
        Rows rows = new Rows(topK);
        try (Task task = Task.start("ShapeWorld bench", (long) sets.size() * methods.size(), listener)) {
            for (EraseSet set : sets) {
                for (Map.Entry<String, Setup> m : methods.entrySet()) {
                    long start = System.nanoTime();
                    Map<Concept, int[]> ranks = erasedRanks(eval, set, m.getKey(), erasure(m.getValue(), set), originalRanks);
                    rows.add(m.getKey(), set, ranks, (System.nanoTime() - start) / 1e9);
                    task.step(1, Map.of(), m.getKey() + " on " + set.name());
                }
            }
        }
        Table perSet = rows.table();
        return new Result(perSet, summary(perSet));
    }

    /** Runs one erasure (null: the original model, judged once per set via the cache) and judges its images. */
    private Map<Concept, int[]> erasedRanks(ShapeWorldEval eval, EraseSet set, String method, Erasure erasure,
                                            Map<Concept, int[]> originalRanks) {
        if (erasure == null) return judge(eval, model, set, originalRanks);
        try (ErasureResult r = erasure.run()) {
            if (r.cancelled()) throw new CancelledException("ShapeWorld bench cancelled in " + method + " on " + set.name());
            return judge(eval, r.model(), set, new HashMap<>());
        }
    }

    /**
     * Methods compared at equal erasure: traces every method's curve over {@code f}'s strengths (iterations
     * per erased concept) on every erase set and erasure seed (seeds shared by the methods; the bench's
     * own {@link #iterationsPerConcept} and {@link #seed} are not used), judges each run like {@link #run()},
     * and reads PSR-1 off each curve at {@code f}'s ESR-1 targets. Methods that erase nothing (the
     * original) are judged once per set and appear as one 0-iteration point per set and seed.
     * Cancellable between and inside runs.
     *
     * <pre>{@code
     * FrontierResult r = ShapeWorld.bench(sd, judge).only("original", "ESD", "EAP (corrected)")
     *         .frontier(Frontier.standard().iterations("EAP (corrected)", 100, 200, 400));
     * r.matched();                       // PSR-1 at ESR-1 80/90/95, mean ± std, Δ vs ESD (or Frontier.reference)
     * Charts.png(r.chart(), Path.of("frontier.png"));
     * }</pre>
     */
    public FrontierResult frontier(Frontier f) {
        Objects.requireNonNull(f, "frontier");
        if (f.reference() != null && !methods.containsKey(f.reference())) {
            throw new IllegalArgumentException("frontier reference '" + f.reference() + "' is not one of the bench's methods " + methods.keySet());
        }
        List<EraseSet> sets = resolvedSets();
        ShapeWorldEval eval = new ShapeWorldEval(judge, imagesPerPrompt, samplingSteps, guidance);
        FrontierPoints points = new FrontierPoints(topK);
        long total = 0;
        for (EraseSet set : sets) {
            for (Map.Entry<String, Setup> m : methods.entrySet()) total += erasesNothing(m.getValue(), set) ? 1 : f.iterationsOf(m.getKey()).size();
        }
        try (Task task = Task.start("ShapeWorld frontier", total * f.seeds().size(), listener)) {
            for (EraseSet set : sets) {
                Map<Concept, int[]> originalRanks = new HashMap<>();
                for (long erasureSeed : f.seeds()) {
                    for (Map.Entry<String, Setup> m : methods.entrySet()) {
                        String name = m.getKey();
                        long start = System.nanoTime();
                        BiConsumer<Integer, Map<Concept, int[]>> point = (iterations, ranks) -> {
                            points.add(name, set, erasureSeed, iterations, scores(ranks, set, topK), (System.nanoTime() - start) / 1e9);
                            task.step(1, Map.of(), name + " " + iterations + " iterations, seed " + erasureSeed + " on " + set.name());
                        };
                        Erasure probe = erasure(m.getValue(), set, 1, erasureSeed);
                        if (probe == null) {
                            point.accept(0, judge(eval, model, set, originalRanks));
                        } else {
                            // one chained run per curve (Erasure.runThrough: each strength resumes the one below, bit-identical
                            // to a separate run; a closed form such as UCE runs once per strength, as asked); a point's seconds
                            // are those of the run up to it, judging of the points below included
                            int per = set.erased().size();
                            probe.runThrough(f.iterationsOf(name).stream().map(n -> n * per).toList(), (n, r) -> {
                                if (r.cancelled()) throw new CancelledException("ShapeWorld frontier cancelled in " + name + " on " + set.name());
                                point.accept(n / per, judge(eval, r.model(), set, new HashMap<>()));
                            }).close();
                        }
                    }
                }
            }
        }
        return FrontierResult.of(points.table(), f.esrTargets(), f.reference());
    }

    private boolean erasesNothing(Setup setup, EraseSet set) {
        return setup.apply(targets(set), set) == null;
    }

    /**
     * The bench's methods on one erase set as a {@link Sweep} (one configuration per method, "method"
     * column; methods that erase nothing are left out): add {@link #metrics}, a results CSV to resume,
     * and run it to get the same numbers as a sweep table.
     */
    public Sweep sweep(EraseSet set) {
        List<Configuration> configs = new ArrayList<>();
        for (Map.Entry<String, Setup> m : methods.entrySet()) {
            Erasure e = erasure(m.getValue(), set);
            if (e != null) configs.add(Configuration.of(e, Map.of("method", m.getKey())));
        }
        if (configs.isEmpty()) throw new IllegalArgumentException("no method of " + methods.keySet() + " erases anything");
        return Sweep.of(configs);
    }

    /**
     * ESR-1, ESR-k, PSR-1 and PSR-k of an erase set as sweep metrics; the images of a run are judged
     * once and shared by the four.
     */
    public List<Metric> metrics(EraseSet set) {
        return metrics(set, false);
    }

    /**
     * {@link #metrics(EraseSet)} and, with {@code perConcept}, the top-1 agreement (%) of every erased and
     * kept concept as a column named by its word: where the damage went.
     */
    public List<Metric> metrics(EraseSet set, boolean perConcept) {
        ShapeWorldEval eval = new ShapeWorldEval(judge, imagesPerPrompt, samplingSteps, guidance);
        Map<ErasureResult, Map<Concept, int[]>> judged = new WeakHashMap<>();
        Function<ErasureResult, Map<Concept, int[]>> ranks =
                r -> judged.computeIfAbsent(r, k -> judge(eval, k.model(), set, new HashMap<>()));
        List<Metric> out = new ArrayList<>();
        if (perConcept) {
            for (Concept c : concat(set.erased(), set.kept())) out.add(Metric.of(c.word(), r -> topKShare(ranks.apply(r), List.of(c), 1)));
        }
        for (String name : scoreNames(topK)) out.add(Metric.of(name, r -> scores(ranks.apply(r), set, topK).get(name)));
        return out;
    }

    /** The score columns for k: ESR-1, ESR-k, PSR-1, PSR-k (k = 1 gives the top-1 pair only). */
    static List<String> scoreNames(int k) {
        return k > 1 ? List.of("ESR-1", "ESR-" + k, "PSR-1", "PSR-" + k) : List.of("ESR-1", "PSR-1");
    }

    /**
     * ESR-k = 100 − top-k agreement (%) pooled over the erased concepts' images, PSR-k = top-k agreement
     * pooled over the kept ones (methods.md §7.3), for k = 1 and the given k, named as {@link #scoreNames}.
     */
    static Map<String, Double> scores(Map<Concept, int[]> ranks, EraseSet set, int k) {
        int[] ks = k > 1 ? new int[] {1, k} : new int[] {1};
        Map<String, Double> out = new LinkedHashMap<>();
        for (int kk : ks) out.put("ESR-" + kk, 100 - topKShare(ranks, set.erased(), kk));
        for (int kk : ks) out.put("PSR-" + kk, topKShare(ranks, set.kept(), kk));
        return out;
    }

    private static Map<Concept, int[]> judge(ShapeWorldEval eval, StableDiffusion m, EraseSet set, Map<Concept, int[]> cache) {
        Map<Concept, int[]> out = new LinkedHashMap<>();
        for (Concept c : concat(set.erased(), set.kept())) out.put(c, cache.computeIfAbsent(c, k -> eval.ranks(m, k)));
        return out;
    }

    private static List<Concept> concat(List<Concept> a, List<Concept> b) {
        List<Concept> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static double tenth(double percent) {
        return Math.round(percent * 10) / 10.0;
    }

    /** Share (%) of images whose rank is below k (top-k agreement), pooled over the concepts. */
    static double topKShare(Map<Concept, int[]> ranks, List<Concept> concepts, int k) {
        int hit = 0;
        int n = 0;
        for (Concept c : concepts) {
            for (int r : ranks.get(c)) {
                if (r < k) hit++;
                n++;
            }
        }
        return 100.0 * hit / n;
    }

    /** Builds the frontier's points table row by row. */
    private static final class FrontierPoints {
        private final StringColumn method = StringColumn.create("method");
        private final StringColumn set = StringColumn.create("erase set");
        private final LongColumn seed = LongColumn.create("seed");
        private final IntColumn iterations = IntColumn.create(FrontierResult.ITERATIONS);
        private final Map<String, DoubleColumn> scores = new LinkedHashMap<>();
        private final DoubleColumn seconds = DoubleColumn.create("seconds");

        FrontierPoints(int k) {
            for (String name : scoreNames(k)) scores.put(name, DoubleColumn.create(name));
        }

        void add(String name, EraseSet s, long erasureSeed, int iterationsPerConcept, Map<String, Double> values, double secs) {
            method.append(name);
            set.append(s.name());
            seed.append(erasureSeed);
            iterations.append(iterationsPerConcept);
            values.forEach((score, v) -> scores.get(score).append(v));
            seconds.append(tenth(secs));
        }

        Table table() {
            Table t = Table.create("ShapeWorld frontier: points (%; iterations per erased concept)", method, set, seed, iterations);
            scores.values().forEach(t::addColumns);
            return t.addColumns(seconds);
        }
    }

    /** Builds the per-set table row by row. */
    private static final class Rows {
        private final int k;
        private final StringColumn method = StringColumn.create("method");
        private final StringColumn set = StringColumn.create("erase set");
        private final Map<String, DoubleColumn> scores = new LinkedHashMap<>();
        private final StringColumn worstKept = StringColumn.create("worst kept");
        private final IntColumn images = IntColumn.create("images");
        private final DoubleColumn seconds = DoubleColumn.create("seconds");

        Rows(int k) {
            this.k = k;
            for (String name : scoreNames(k)) scores.put(name, DoubleColumn.create(name));
        }

        void add(String name, EraseSet s, Map<Concept, int[]> ranks, double secs) {
            method.append(name);
            set.append(s.name());
            scores(ranks, s, k).forEach((score, v) -> scores.get(score).append(tenth(v)));
            Concept worst = s.kept().stream()
                    .min((a, b) -> Double.compare(topKShare(ranks, List.of(a), 1), topKShare(ranks, List.of(b), 1))).orElseThrow();
            worstKept.append(worst.word() + " " + Math.round(topKShare(ranks, List.of(worst), 1)) + "%");
            images.append(ranks.values().stream().mapToInt(r -> r.length).sum());
            seconds.append(tenth(secs));
        }

        Table table() {
            Table t = Table.create("ShapeWorld bench: per erase set (%)", method, set);
            scores.values().forEach(t::addColumns);
            return t.addColumns(worstKept, images, seconds);
        }
    }

    /** Mean and (sample) standard deviation over the erase sets, one row per method, in the order of the runs. */
    public static Table summary(Table perSet) {
        List<String> metrics = perSet.columnNames().stream().filter(c -> c.startsWith("ESR-") || c.startsWith("PSR-")).toList();
        List<String> names = perSet.stringColumn("method").asList().stream().distinct().toList();
        StringColumn method = StringColumn.create("method");
        IntColumn sets = IntColumn.create("sets");
        Map<String, DoubleColumn[]> cols = metrics.stream().collect(Collectors.toMap(m -> m,
                m -> new DoubleColumn[] {DoubleColumn.create(m), DoubleColumn.create(m + " ±")}, (a, b) -> a, LinkedHashMap::new));
        for (String name : names) {
            Table rows = perSet.where(perSet.stringColumn("method").isEqualTo(name));
            method.append(name);
            sets.append(rows.rowCount());
            for (String m : metrics) {
                DoubleColumn v = rows.doubleColumn(m);
                cols.get(m)[0].append(Math.round(v.mean() * 10) / 10.0);
                cols.get(m)[1].append(rows.rowCount() > 1 ? Math.round(v.standardDeviation() * 10) / 10.0 : 0.0);
            }
        }
        Table t = Table.create("ShapeWorld bench: mean ± std over erase sets (%)", method, sets);
        cols.values().forEach(c -> t.addColumns(c[0], c[1]));
        return t;
    }
}
