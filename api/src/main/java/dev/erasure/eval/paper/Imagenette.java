package dev.erasure.eval.paper;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.eval.judge.Classification;
import dev.erasure.eval.judge.ImageNetClassifier;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.viz.Charts;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * EAP Table 1 (methods.md §7.3): "Image of &lt;Class&gt;" for Imagenette's 10 classes × 500 seeds, one image each
 * (DDIM, 100 sampling steps, CFG 7.5), classified by torchvision's ResNet-50 (IMAGENET1K_V2); ESR-k = share of
 * images of the split's erased classes whose class is not in the top k, PSR-k = share of the other classes'
 * images whose class is; k = 1, 5; mean ± std over the splits v1–v4 (§2.4), each split's 5 classes erased
 * jointly into one model.
 *
 * <pre>Imagenette.eap().run("v1", erasedV1, ImageNetClassifier.load(Path.of("resnet50.safetensors")), out)</pre>
 *
 * A model run under a split's name is scored on that split; a model under any other name (e.g. "original")
 * is scored on every split, as the paper's SD-1.4 row. Differences from the official images, which cannot
 * be reproduced bit for bit anyway (the CompVis script drew x_T on the CUDA generator): the sampler is
 * diffusers' DDIM over all 100 steps, where the CompVis sampler's t_start = −1 skips the top one.
 *
 * @param splits       split name → the classes erased in it (Imagenette's label_str spelling)
 * @param perClass     images per class, ≤ 500 (the paper: 500)
 */
public record Imagenette(PromptSet prompts, Map<String, List<String>> splits, int perClass, SchedulerType sampler,
                         int samplingSteps, float guidance, int size, List<Integer> topK) {
    public static final String NAME = "objects";
    /** EAP's splits (utils_exp.get_prompt). */
    public static final Map<String, List<String>> EAP_SPLITS = eapSplits();
    private static final int FULL_PER_CLASS = 500;

    public Imagenette {
        splits = Map.copyOf(new LinkedHashMap<>(splits));
        Set<String> classes = new LinkedHashSet<>(prompts.labels());
        for (Map.Entry<String, List<String>> e : splits.entrySet()) {
            for (String c : e.getValue()) {
                if (!classes.contains(c)) throw new IllegalArgumentException("split " + e.getKey() + ": '" + c + "' is not a class of " + prompts.name() + " " + classes);
            }
        }
        if (perClass <= 0) throw new IllegalArgumentException("perClass must be > 0, got " + perClass);
        if (samplingSteps <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + samplingSteps);
        topK = List.copyOf(topK);
    }

    private static Map<String, List<String>> eapSplits() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("v1", List.of("Cassette Player", "Church", "Garbage Truck", "Parachute", "French Horn"));
        m.put("v2", List.of("Chain Saw", "Gas Pump", "Tench", "English Springer", "Golf Ball"));
        m.put("v3", List.of("Cassette Player", "Chain Saw", "Church", "Gas Pump", "Tench"));
        m.put("v4", List.of("Garbage Truck", "English Springer", "Golf Ball", "Parachute", "French Horn"));
        return m;
    }

    /** The paper's protocol: 500 images per class, DDIM 100 steps, CFG 7.5, the four splits, top-1 and top-5. */
    public static Imagenette eap() {
        return new Imagenette(PromptSet.imagenette(), EAP_SPLITS, FULL_PER_CLASS, SchedulerType.DDIM,
                Protocol.DEFAULT_SAMPLING_STEPS, PromptSet.DEFAULT_GUIDANCE, 0, List.of(1, 5));
    }

    /** Only the first {@code n} images of each class: a quick look (the result says it is partial). */
    public Imagenette limit(int n) {
        return Records.with(this, "perClass", Math.min(n, perClass));
    }

    public Imagenette samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    public Imagenette size(int px) {
        return Records.with(this, "size", px);
    }

    public Imagenette sampler(SchedulerType s) {
        return Records.with(this, "sampler", s);
    }

    /** Other erase sets (name → classes), e.g. a single class. */
    public Imagenette splits(Map<String, List<String>> s) {
        return Records.with(this, "splits", s);
    }

    public Evaluation run(String split, Pipeline model, ImageNetClassifier classifier, Path out) {
        return run(split, model, classifier, out, ProgressListener.NONE);
    }

    /** Generates (or resumes) the model's images into {@code out/<name>}, classifies them and tabulates every model of {@code out}. */
    public Evaluation run(String name, Pipeline model, ImageNetClassifier classifier, Path out, ProgressListener listener) {
        PromptSet rows = firstPerClass();
        PaperRun run = PaperRun.start(out, NAME, "EAP (Bui et al., NeurIPS 2024) Table 1; methods.md §7.3", settings(), rows);
        run.record().judge("resnet", Pins.judge("torchvision ResNet (IMAGENET1K_V2 transforms), top-k by category name",
                classifier.network().weights().source()));
        run.record().put("limit", perClass < FULL_PER_CLASS ? perClass : null);
        run.record().put("cost_per_model", Pins.cost(rows.size(), samplingSteps));
        Protocol.Result images = run.generate(name, model,
                Protocol.of(rows.withGuidance(guidance)).samplingSteps(samplingSteps).scheduler(sampler).size(size), listener);
        boolean judged = PaperRun.judgeUnlessCancelled(images, () -> judge(run, name, images, classifier, listener));
        return tabulate(run, judged && images.complete() && perClass == FULL_PER_CLASS);
    }

    private void judge(PaperRun run, String name, Protocol.Result images, ImageNetClassifier classifier, ProgressListener listener) {
        List<Map<String, String>> manifest = PaperRun.manifest(images);
        List<List<String>> judged = new ArrayList<>();
        int top = Math.min(10, classifier.categories().size());
        try (Task task = Task.start("ResNet " + name, manifest.size(), listener == null ? ProgressListener.NONE : listener)) {
            for (int start = 0; start < manifest.size(); start += 16) {
                List<Map<String, String>> batch = manifest.subList(start, Math.min(manifest.size(), start + 16));
                List<Classification> cs = classifier.classifyFiles(batch.stream().map(m -> images.folder().resolve(m.get("file"))).toList());
                for (int i = 0; i < batch.size(); i++) {
                    StringBuilder topNames = new StringBuilder();
                    for (Classification.Ranked r : cs.get(i).top(top)) {
                        if (topNames.length() > 0) topNames.append('|');
                        topNames.append(r.name()).append(':').append(r.prob());
                    }
                    judged.add(List.of(batch.get(i).get("file"), batch.get(i).get("case_number"), batch.get(i).get("label"), topNames.toString()));
                }
                task.step(batch.size(), null, null);
            }
        }
        run.writeJudged(name, List.of("file", "case_number", "label", "top10"), judged);
    }

    /** The first {@link #perClass} rows of each class, in file order. */
    private PromptSet firstPerClass() {
        Map<String, Integer> seen = new HashMap<>();
        return prompts.filter(r -> seen.merge(r.label(), 1, Integer::sum) <= perClass);
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = PaperRun.generationSettings(prompts, sampler, samplingSteps, guidance, size);
        s.put("splits", new TreeMap<>(splits));
        s.put("top_k", topK);
        s.put("matching", "label_str equals a category name, ignoring case");
        s.put("mean_std", Spread.CONVENTION);
        return s;
    }

    private Evaluation tabulate(PaperRun run, boolean complete) {
        Table summary = Table.create("Objects (Imagenette ESR/PSR, %)", StringColumn.create("model"), StringColumn.create("split"),
                IntColumn.create("images"));
        for (String m : List.of("ESR", "PSR")) for (int k : topK) summary.addColumns(DoubleColumn.create(m + "-" + k));
        Table images = Table.create("ResNet top-10 per image", StringColumn.create("model"), StringColumn.create("file"),
                StringColumn.create("label"), StringColumn.create("top10"));
        Map<String, List<double[]>> bySplitModel = new LinkedHashMap<>(); // model → rows of scores, for mean ± std
        for (String model : run.judgedModels()) {
            List<Map<String, String>> rows = run.judged(model);
            for (Map<String, String> r : rows) {
                images.stringColumn("model").append(model);
                images.stringColumn("file").append(r.get("file"));
                images.stringColumn("label").append(r.get("label"));
                images.stringColumn("top10").append(r.get("top10"));
            }
            List<String> scored = splits.containsKey(model) ? List.of(model) : new ArrayList<>(new TreeSet<>(splits.keySet()));
            for (String split : scored) {
                double[] scores = scores(rows, Set.copyOf(splits.get(split)));
                summary.stringColumn("model").append(model);
                summary.stringColumn("split").append(split);
                summary.intColumn("images").append(rows.size());
                for (int c = 0; c < scores.length; c++) summary.doubleColumn(3 + c).append(scores[c]);
                bySplitModel.computeIfAbsent(splits.containsKey(model) ? "erased" : model, x -> new ArrayList<>()).add(scores);
            }
        }
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, double[]> stds = new LinkedHashMap<>();
        List<String> metrics = summary.columnNames().subList(3, summary.columnCount());
        for (Map.Entry<String, List<double[]>> e : bySplitModel.entrySet()) {
            double[] mean = new double[metrics.size()];
            double[] std = new double[metrics.size()];
            for (int c = 0; c < metrics.size(); c++) {
                final int col = c;
                double[] v = e.getValue().stream().mapToDouble(s -> s[col]).toArray();
                Spread sp = Spread.of(v);
                mean[c] = sp.mean();
                std[c] = v.length > 1 ? sp.std() : Double.NaN;
            }
            means.put(e.getKey(), mean);
            stds.put(e.getKey(), std);
            if (e.getValue().size() > 1) {
                summary.stringColumn("model").append(e.getKey());
                summary.stringColumn("split").append("mean");
                summary.intColumn("images").appendMissing();
                for (int c = 0; c < metrics.size(); c++) summary.doubleColumn(3 + c).append(mean[c]);
                summary.stringColumn("model").append(e.getKey());
                summary.stringColumn("split").append("std");
                summary.intColumn("images").appendMissing();
                for (int c = 0; c < metrics.size(); c++) summary.doubleColumn(3 + c).append(std[c]);
            }
        }
        var chart = Charts.bars("Imagenette: ESR and PSR, mean ± std over the splits", "%",
                metrics, means, stds, false);
        return run.finish(NAME, summary, images, chart, complete);
    }

    /** ESR-k then PSR-k (percent) of one model's images for one erase set. */
    private double[] scores(List<Map<String, String>> rows, Set<String> erased) {
        double[] out = new double[2 * topK.size()];
        for (int i = 0; i < topK.size(); i++) {
            int k = topK.get(i);
            int erasedN = 0, erasedGone = 0, keptN = 0, keptFound = 0;
            for (Map<String, String> r : rows) {
                boolean inTop = inTopK(r.get("top10"), r.get("label"), k);
                if (erased.contains(r.get("label"))) {
                    erasedN++;
                    if (!inTop) erasedGone++;
                } else {
                    keptN++;
                    if (inTop) keptFound++;
                }
            }
            out[i] = erasedN == 0 ? Double.NaN : 100.0 * erasedGone / erasedN;
            out[topK.size() + i] = keptN == 0 ? Double.NaN : 100.0 * keptFound / keptN;
        }
        return out;
    }

    /** Whether the label names one of the first k entries of "name:p|name:p|..." (case-insensitive, as §7.3). */
    static boolean inTopK(String top, String label, int k) {
        String want = label.strip().toLowerCase(Locale.ROOT);
        String[] entries = top.isEmpty() ? new String[0] : top.split("\\|");
        for (int i = 0; i < Math.min(k, entries.length); i++) {
            String name = entries[i].substring(0, entries[i].lastIndexOf(':'));
            if (name.toLowerCase(Locale.ROOT).equals(want)) return true;
        }
        return false;
    }
}
