package dev.erasure.cli;

import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import dev.erasure.toy.ConceptClassifier;
import dev.erasure.toy.ShapeWorld;
import dev.erasure.sweep.Metric;
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

    static void run(Path modelDir, Map<String, String> o) throws IOException {
        Path out = Path.of(o.getOrDefault("out", "out/shapeworld-bench"));
        Files.createDirectories(out);
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(modelDir)) {
            ConceptClassifier judge = ConceptClassifier.load(modelDir.resolve("classifier"), sd.manager());
            ShapeWorldBench bench = ShapeWorld.bench(sd, judge)
                    .imagesPerPrompt(Integer.parseInt(o.getOrDefault("images", "16")))
                    .stepsPerConcept(Integer.parseInt(o.getOrDefault("steps", "100")))
                    .onProgress(p -> System.err.printf("\r%s %d/%d %s        ", p.task(), p.done(), p.total(),
                            p.message()));
            String sets = o.getOrDefault("sets", "shapes");
            bench = bench.eraseSets(ShapeWorldFrontierCommand.sets(sets));
            if (sets.equals("styles")) bench = bench.keep(Attribute.SHAPE).topK(1);
            if (o.containsKey("max-sets")) {
                int n = Integer.parseInt(o.get("max-sets"));
                List<List<String>> all = bench.resolvedSets().stream().map(ShapeWorldBench.EraseSet::erasedWords).toList();
                bench = bench.eraseSets(all.subList(0, Math.min(n, all.size())));
            }
            // AdvAnchor erases one concept at a time: offered when every erase set has one concept
            boolean single = bench.resolvedSets().stream().allMatch(x -> x.erased().size() == 1);
            var pool = single ? ShapeWorldMethods.singleConcept() : ShapeWorldMethods.all();
            String methods = o.getOrDefault("methods", "standard");
            if (methods.equals("all")) bench = bench.methods(pool);
            else if (!methods.equals("standard")) bench = bench.methods(pool).only(methods.split(","));
            if (o.containsKey("asr")) {
                attack(sd, judge, bench, Integer.parseInt(o.get("asr")), out);
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
