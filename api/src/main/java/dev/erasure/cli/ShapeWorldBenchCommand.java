package dev.erasure.cli;

import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Metric;
import dev.erasure.toy.Concept.Attribute;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.ShapeWorld;
import dev.erasure.toy.ShapeWorldAttack;
import dev.erasure.toy.ShapeWorldBench;
import dev.erasure.toy.ShapeWorldMethods;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./erasure shapeworld-bench}: the ShapeWorld Table 1 ({@link ShapeWorldBench}) from the
 * command line, writing per-set.csv and summary.csv (and printing both) with progress on stderr.
 */
final class ShapeWorldBenchCommand {
    private ShapeWorldBenchCommand() {
    }

    /** The command's settings, all checked before the model loads; null = the bench's default. */
    record Settings(Path out, int images, int iterations, String sets, Integer maxSets, String methods, Integer asr) {
    }

    /** Parses and checks every flag (numbers, set words, method names) without loading anything. */
    static Settings parse(Map<String, String> o) {
        int images = Main.positive(o, "images", 16);
        int iterations = Main.positive(o, "iterations", 100);
        Integer maxSets = o.containsKey("max-sets") ? Main.positive(o, "max-sets", 1) : null;
        Integer asr = o.containsKey("asr") ? Main.positive(o, "asr", 1) : null;
        String sets = o.getOrDefault("sets", "shapes");
        if (!sets.equals("shapes") && !sets.equals("styles")) {
            List<String> words = ShapeWorld.standard().vocabulary().stream().map(c -> c.word()).distinct().toList();
            for (List<String> set : ShapeWorldFrontierCommand.sets(sets)) {
                for (String w : set) {
                    if (!words.contains(w)) {
                        throw new Main.UsageException("--sets: '" + w + "' is not a ShapeWorld word (have " + words + ")");
                    }
                }
            }
        }
        String methods = o.getOrDefault("methods", "standard");
        if (!methods.equals("standard") && !methods.equals("all")) {
            for (String m : methods.split(",", -1)) {
                if (!ShapeWorldMethods.all().containsKey(m)) {
                    throw new Main.UsageException("--methods: no method '" + m + "' (have standard, all or some of "
                            + ShapeWorldMethods.all().keySet() + ")");
                }
            }
        }
        return new Settings(Path.of(o.getOrDefault("out", "out/shapeworld-bench")), images, iterations, sets, maxSets, methods, asr);
    }

    static void run(Path modelDir, Settings o) throws IOException {
        Path out = o.out();
        Files.createDirectories(out);
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(modelDir)) {
            ConceptClassifier judge = ConceptClassifier.load(modelDir.resolve("classifier"), sd.manager());
            ShapeWorldBench bench = ShapeWorld.bench(sd, judge)
                    .imagesPerPrompt(o.images())
                    .iterationsPerConcept(o.iterations())
                    .onProgress(p -> System.err.printf("\r%s %d/%d %s        ", p.task(), p.done(), p.total(),
                            p.message()));
            bench = bench.eraseSets(ShapeWorldFrontierCommand.sets(o.sets()));
            if (o.sets().equals("styles")) bench = bench.keep(Attribute.SHAPE).topK(1);
            if (o.maxSets() != null) {
                List<List<String>> all = bench.resolvedSets().stream().map(ShapeWorldBench.EraseSet::erasedWords).toList();
                bench = bench.eraseSets(all.subList(0, Math.min(o.maxSets(), all.size())));
            }
            // AdvAnchor erases one concept at a time: offered when every erase set has one concept
            boolean single = bench.resolvedSets().stream().allMatch(x -> x.erased().size() == 1);
            var pool = single ? ShapeWorldMethods.singleConcept() : ShapeWorldMethods.all();
            if (o.methods().equals("all")) bench = bench.methods(pool);
            else if (!o.methods().equals("standard")) bench = bench.methods(pool).only(o.methods().split(","));
            if (o.asr() != null) {
                attack(sd, judge, bench, o.asr(), out);
                return;
            }
            ShapeWorldBench.Result r = bench.run();
            System.err.println();
            write(r.perSet(), out.resolve("per-set.csv"));
            write(r.summary(), out.resolve("summary.csv"));
            System.out.println(r.perSet().print(100));
            System.out.println(r.summary().print(100));
        }
        System.out.printf("wrote %s in %.0f s%n", out.toAbsolutePath(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * {@code --asr N}: per erase set, the methods as a sweep with ESR/PSR and the UnlearnDiffAtk attack
     * success rate on N seeds of each erased concept's prompt (single-concept sets).
     */
    private static void attack(StableDiffusion sd, ConceptClassifier judge, ShapeWorldBench bench, int prompts, Path out)
            throws IOException {
        for (ShapeWorldBench.EraseSet set : bench.resolvedSets()) {
            if (set.erased().size() != 1) throw new IllegalArgumentException("--asr needs erase sets of one concept, got " + set.name());
            List<Metric> metrics = new ArrayList<>(bench.metrics(set));
            metrics.add(ShapeWorldAttack.metric(sd, set.erased().get(0).word(), prompts, judge, ShapeWorldAttack.attack(sd)));
            metrics.add(Metric.seconds());
            Table t = bench.sweep(set).metrics(metrics.toArray(Metric[]::new))
                    .resultsCsv(out.resolve("attack-" + set.name() + ".csv")).run();
            System.err.println();
            System.out.println(t.rejectColumns("id", "loss_curve").print(100));
        }
    }

    static void write(Table t, Path file) throws IOException {
        AtomicFiles.write(file, out -> t.write().csv(out));
    }
}
