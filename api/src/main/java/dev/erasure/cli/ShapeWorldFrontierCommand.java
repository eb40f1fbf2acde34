package dev.erasure.cli;

import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.Frontier;
import dev.erasure.toy.FrontierResult;
import dev.erasure.toy.ShapeWorld;
import dev.erasure.toy.ShapeWorldBench;
import dev.erasure.toy.ShapeWorldMethods;
import dev.erasure.viz.Charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./erasure shapeworld-frontier}: methods compared at equal erasure on ShapeWorld
 * ({@link ShapeWorldBench#frontier}). Every flag is parsed and checked (methods, sets, strengths,
 * seeds, targets) before the model loads; writes points.csv, curves.csv, matched.csv and frontier.png.
 */
final class ShapeWorldFrontierCommand {
    static final Set<String> FLAGS = Set.of("model", "methods", "sets", "max-sets", "images", "iterations", "method-iterations",
            "seeds", "targets", "reference", "out", "merge");

    private ShapeWorldFrontierCommand() {
    }

    /** The parsed and checked command line. */
    record Plan(List<List<String>> sets, boolean styles, List<String> methods, Frontier frontier, int images, Path out) {
    }

    /** Parses and checks every flag; a bad one is a {@link Main.UsageException} naming it. */
    static Plan plan(Map<String, String> o) {
        String spec = o.getOrDefault("sets", "shapes");
        boolean styles = spec.equals("styles");
        List<List<String>> sets = sets(spec);
        if (o.containsKey("max-sets")) {
            int n = positiveInt(o, "max-sets", 0);
            sets = sets.subList(0, Math.min(n, sets.size()));
        }
        List<ShapeWorldBench.EraseSet> resolved;
        try {
            resolved = ShapeWorldBench.resolve(ShapeWorld.standard(), sets, styles ? Set.of(Attribute.SHAPE) : null);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--sets: " + e.getMessage());
        }
        Set<String> pool = pool(resolved).keySet();
        // commas inside parentheses belong to a name: "ESD,EAP (corrected, kept)" is two methods
        List<String> methods = Arrays.stream(o.getOrDefault("methods", "ESD,EAP (corrected)").split(",(?![^()]*\\))"))
                .map(String::trim).toList();
        for (String m : methods) {
            if (!pool.contains(m)) throw new Main.UsageException("--methods: no method '" + m + "'; have " + pool);
        }
        Frontier f = Frontier.standard();
        try {
            if (o.containsKey("iterations")) f = f.iterations(ints("iterations", o.get("iterations")));
            if (o.containsKey("method-iterations")) {
                for (String part : o.get("method-iterations").split(";")) {
                    int eq = part.lastIndexOf('=');
                    if (eq < 0) throw new Main.UsageException("--method-iterations must be METHOD=N,N;METHOD=N,..., got '" + part + "'");
                    String m = part.substring(0, eq).trim();
                    if (!methods.contains(m)) throw new Main.UsageException("--method-iterations: '" + m + "' is not one of --methods " + methods);
                    f = f.iterations(m, ints("method-iterations", part.substring(eq + 1)));
                }
            }
            if (o.containsKey("seeds")) f = f.seeds(Arrays.stream(ints("seeds", o.get("seeds"))).asLongStream().toArray());
            if (o.containsKey("targets")) f = f.esrTargets(doubles("targets", o.get("targets")));
            if (o.containsKey("reference")) {
                if (!methods.contains(o.get("reference"))) throw new Main.UsageException("--reference: '" + o.get("reference") + "' is not one of --methods " + methods);
                f = f.reference(o.get("reference"));
            }
        } catch (Main.UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) { // a value the Frontier record refused
            throw new Main.UsageException(e.getMessage());
        }
        return new Plan(sets, styles, methods, f, positiveInt(o, "images", 16),
                Path.of(o.getOrDefault("out", "out/shapeworld-frontier")));
    }

    /**
     * {@code --merge DIR,DIR,...}: the points.csv of runs that split one study (e.g. erase sets over two
     * processes), recombined into one frontier at --targets (paired with --reference), written to --out like a
     * run's; no model is loaded.
     */
    static void merge(Map<String, String> o) throws IOException {
        List<Path> files = Arrays.stream(o.get("merge").split(",")).map(String::trim).map(d -> Path.of(d).resolve("points.csv")).toList();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new Main.UsageException("--merge: no " + f);
        }
        for (String flag : o.keySet()) {
            if (!Set.of("merge", "targets", "reference", "out").contains(flag)) {
                throw new Main.UsageException("--merge takes only --targets, --reference and --out, not --" + flag);
            }
        }
        List<Double> targets = o.containsKey("targets")
                ? Arrays.stream(doubles("targets", o.get("targets"))).boxed().toList() : Frontier.standard().esrTargets();
        FrontierResult r;
        try {
            r = FrontierResult.of(FrontierResult.readPoints(files), targets, o.get("reference"));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--merge: " + e.getMessage());
        }
        write(r, Path.of(o.getOrDefault("out", "out/shapeworld-frontier")));
    }

    static void run(Path modelDir, Plan p) throws IOException {
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(modelDir)) {
            ConceptClassifier judge = ConceptClassifier.load(modelDir.resolve("classifier"), sd.manager());
            ShapeWorldBench bench = ShapeWorld.bench(sd, judge).eraseSets(p.sets()).imagesPerPrompt(p.images())
                    .onProgress(x -> System.err.printf("\r%s %d/%d %s        ", x.task(), x.done(), x.total(), x.message()));
            if (p.styles()) bench = bench.keep(Attribute.SHAPE).topK(1);
            bench = bench.methods(pool(bench.resolvedSets())).only(p.methods().toArray(String[]::new));
            FrontierResult r = bench.frontier(p.frontier());
            System.err.println();
            write(r, p.out());
        }
        System.out.printf("wrote %s in %.0f s%n", p.out().toAbsolutePath(), (System.nanoTime() - start) / 1e9);
    }

    /** points.csv, curves.csv, matched.csv and frontier.png in {@code out}, and the three tables on stdout. */
    private static void write(FrontierResult r, Path out) throws IOException {
        Files.createDirectories(out);
        ShapeWorldBenchCommand.write(r.points(), out.resolve("points.csv"));
        ShapeWorldBenchCommand.write(r.curves(), out.resolve("curves.csv"));
        ShapeWorldBenchCommand.write(r.matched(), out.resolve("matched.csv"));
        Charts.png(r.chart(), out.resolve("frontier.png"));
        System.out.println(r.points().print(1000));
        System.out.println(r.curves().print(100));
        System.out.println(r.matched().print(100));
    }

    /** shapes (the bench's four sets), styles ("outlined" against the solid style and the shapes), or a,b,c;d,e. */
    static List<List<String>> sets(String spec) {
        return switch (spec) {
            case "shapes" -> ShapeWorldBench.SHAPE_SETS;
            case "styles" -> List.of(List.of("outlined"));
            default -> Arrays.stream(spec.split(";", -1)).map(s -> Arrays.stream(s.split(",", -1)).map(String::trim).toList()).toList();
        };
    }

    /** The methods on offer: with the EAP variants, and AdvAnchor when every set erases one concept. */
    private static Map<String, ShapeWorldBench.Setup> pool(List<ShapeWorldBench.EraseSet> sets) {
        Map<String, ShapeWorldBench.Setup> m = ShapeWorldMethods.withEapVariants();
        if (sets.stream().allMatch(s -> s.erased().size() == 1)) m.put("AdvAnchor", ShapeWorldMethods.ADV_ANCHOR);
        return m;
    }

    private static int positiveInt(Map<String, String> o, String flag, int dflt) {
        String v = o.get(flag);
        if (v == null) return dflt;
        int[] n = ints(flag, v);
        if (n.length != 1 || n[0] < 1) throw new Main.UsageException("--" + flag + " must be a positive whole number, got '" + v + "'");
        return n[0];
    }

    private static int[] ints(String flag, String v) {
        try {
            return Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--" + flag + " must be whole numbers separated by commas, got '" + v + "'");
        }
    }

    private static double[] doubles(String flag, String v) {
        List<Double> out = new ArrayList<>();
        try {
            for (String s : v.split(",")) out.add(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--" + flag + " must be numbers separated by commas, got '" + v + "'");
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
