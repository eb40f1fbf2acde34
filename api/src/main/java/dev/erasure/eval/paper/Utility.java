package dev.erasure.eval.paper;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.ClipModel;
import dev.erasure.eval.ClipScore;
import dev.erasure.eval.Protocol;
import dev.erasure.eval.judge.Fid;
import dev.erasure.eval.judge.FidStatistics;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an erasure costs the rest of the model (methods.md §7.5): COCO captions (AdvUnlearn's COCO-10k,
 * {@link #coco10k()}; EAP's COCO-30k, {@link #coco30k()}), one image each (LMS, 100 sampling steps, CFG 7.5); FID against a
 * folder of real images the user supplies (T2IBenchmark's preprocessing by default, as the AdvUnlearn and
 * UnlearnDiffAtk numbers; pytorch-fid's selectable), with the reference statistics computed once and cached
 * in the protocol folder; and CLIP score in both conventions: AdvUnlearn's mean cosine ({@code logits_per_image / 100},
 * unclamped) and torchmetrics' 100·max(cos, 0).
 *
 * <pre>Utility.coco10k().limit(1000).run("esd", erased, fid, Path.of("coco-val2014-10k"), clip, out, listener)</pre>
 */
public record Utility(PromptSet prompts, SchedulerType sampler, int samplingSteps, float guidance, int size, int fullSize) {
    public static final String NAME = "utility";

    public Utility {
        if (samplingSteps <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + samplingSteps);
        if (size < 0) throw new IllegalArgumentException("size must be ≥ 0 (0 = the model's native size), got " + size);
    }

    /** AdvUnlearn's benchmark: COCO-10k captions with their seeds, LMS 100 steps, CFG 7.5. */
    public static Utility coco10k() {
        PromptSet p = PromptSet.coco10k();
        return new Utility(p, SchedulerType.LMS, Protocol.DEFAULT_SAMPLING_STEPS, PromptSet.DEFAULT_GUIDANCE, 0, p.size());
    }

    /** EAP's COCO-30k captions for the nudity models (same sampler, CFG and steps). */
    public static Utility coco30k() {
        return coco10k().prompts(PromptSet.coco30k());
    }

    /** Other captions (a CSV of your own: {@code PromptSet.fromCsv(path)}). */
    public Utility prompts(PromptSet p) {
        return new Utility(p, sampler, samplingSteps, guidance, size, p.size());
    }

    /** Only the first {@code n} captions (FID on fewer images is biased upward: compare only equal n). */
    public Utility limit(int n) {
        return Records.with(this, "prompts", prompts.limit(n));
    }

    public Utility samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    public Utility size(int px) {
        return Records.with(this, "size", px);
    }

    public Utility sampler(SchedulerType s) {
        return Records.with(this, "sampler", s);
    }

    /**
     * Generates (or resumes) the model's images, then FID against {@code real} (skipped when {@code fid} is null)
     * and CLIP score (skipped when {@code clip} is null), and tabulates every model of {@code out}.
     */
    public Evaluation run(String name, Pipeline model, Fid fid, Path real, ClipModel clip, Path out, ProgressListener listener) {
        if (fid == null && clip == null) throw new IllegalArgumentException("utility needs FID (fid + real images), CLIP, or both");
        if (fid != null && real == null) throw new IllegalArgumentException("FID needs the folder of real images (real)");
        PaperRun run = PaperRun.start(out, NAME, "AdvUnlearn / UnlearnDiffAtk COCO FID and CLIP; EAP COCO-30k; methods.md §7.5",
                settings(fid), prompts);
        // the real images first: a wrong folder fails before hours of generation
        FidStatistics ref = fid == null ? null : fid.referenceStatistics(real, out.resolve("reference-"
                + fid.preprocess().name().toLowerCase(Locale.ROOT) + ".safetensors"));
        Protocol.Result images = run.generate(name, model,
                Protocol.of(prompts.withGuidance(guidance)).samplingSteps(samplingSteps).scheduler(sampler).size(size), listener);
        run.record().put("limit", prompts.size() < fullSize ? prompts.size() : null);
        run.record().put("cost_per_model", Pins.cost(prompts.size(), samplingSteps));
        boolean judged = PaperRun.judgeUnlessCancelled(images, () -> judge(run, name, images, fid, ref, real, clip, listener));
        return tabulate(run, judged && images.complete() && prompts.size() == fullSize);
    }

    private void judge(PaperRun run, String name, Protocol.Result images, Fid fid, FidStatistics ref, Path real, ClipModel clip,
                       ProgressListener listener) {
        List<Map<String, String>> manifest = PaperRun.manifest(images);
        float[] cos = new float[manifest.size()];
        if (clip != null) {
            run.record().judge("clip", Pins.judge("CLIP (openai/clip-vit-base-patch32 in the papers)", clip.weights().source()));
            ClipScore score = new ClipScore(clip);
            try (Task task = Task.start("CLIP " + name, manifest.size(), listener == null ? ProgressListener.NONE : listener)) {
                for (int start = 0; start < manifest.size(); start += 16) {
                    List<Map<String, String>> batch = manifest.subList(start, Math.min(manifest.size(), start + 16));
                    float[] c = score.pairCosinesRgb(PaperRun.read(images.folder(), batch), batch.stream().map(m -> m.get("prompt")).toList());
                    System.arraycopy(c, 0, cos, start, c.length);
                    task.step(batch.size(), null, null);
                }
            }
        }
        String fidValue = "";
        if (fid != null) {
            Map<String, Object> judge = Pins.judge("FID Inception (pytorch-fid weights), " + fid.preprocess() + " preprocessing",
                    fid.inception().file().toString());
            judge.put("real_images", real.toAbsolutePath().normalize().toString());
            run.record().judge("fid", judge);
            List<Path> files = manifest.stream().map(m -> images.folder().resolve(m.get("file"))).toList();
            if (files.size() < 2) throw new IllegalArgumentException("FID needs at least two generated images, " + images.folder() + " has " + files.size());
            fidValue = Double.toString(FidStatistics.of(fid.features(files)).distance(ref));
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < manifest.size(); i++) {
            Map<String, String> m = manifest.get(i);
            rows.add(List.of(m.get("file"), m.get("case_number"), m.get("prompt"), clip == null ? "" : Float.toString(cos[i]),
                    i == 0 ? fidValue : ""));
        }
        run.writeJudged(name, List.of("file", "case_number", "prompt", "clip_cosine", "fid_of_model"), rows);
    }

    private Map<String, Object> settings(Fid fid) {
        Map<String, Object> s = PaperRun.generationSettings(prompts, sampler, samplingSteps, guidance, size);
        s.put("fid_preprocessing", fid == null ? "none" : fid.preprocess().name());
        s.put("fid_statistics", "float32 features, float64 mean and covariance (ddof 1), scipy sqrtm branch");
        s.put("clip", "AdvUnlearn: mean cosine (logits_per_image / 100, unclamped); torchmetrics: mean 100·max(cos, 0)");
        return s;
    }

    private Evaluation tabulate(PaperRun run, boolean complete) {
        Table summary = Table.create("Utility (COCO FID and CLIP score)", StringColumn.create("model"), IntColumn.create("images"),
                DoubleColumn.create("FID"), DoubleColumn.create("CLIP_cosine"), DoubleColumn.create("CLIP_score"));
        Table images = Table.create("CLIP cosine per image", StringColumn.create("model"), StringColumn.create("file"),
                StringColumn.create("prompt"), DoubleColumn.create("clip_cosine"));
        Map<String, double[]> bars = new LinkedHashMap<>();
        for (String model : run.judgedModels()) {
            List<Map<String, String>> rows = run.judged(model);
            double[] c = new double[rows.size()];
            double[] score = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> r = rows.get(i);
                c[i] = r.get("clip_cosine").isEmpty() ? Double.NaN : Double.parseDouble(r.get("clip_cosine"));
                score[i] = Double.isNaN(c[i]) ? Double.NaN : 100 * Math.max(c[i], 0);
                images.stringColumn("model").append(model);
                images.stringColumn("file").append(r.get("file"));
                images.stringColumn("prompt").append(r.get("prompt"));
                images.doubleColumn("clip_cosine").append(c[i]);
            }
            String f = rows.isEmpty() ? "" : rows.get(0).get("fid_of_model");
            double fidValue = f.isEmpty() ? Double.NaN : Double.parseDouble(f);
            summary.stringColumn("model").append(model);
            summary.intColumn("images").append(rows.size());
            summary.doubleColumn("FID").append(fidValue);
            summary.doubleColumn("CLIP_cosine").append(Spread.of(c).mean());
            summary.doubleColumn("CLIP_score").append(Spread.of(score).mean());
            bars.put(model, new double[] {fidValue, Spread.of(score).mean()});
        }
        var chart = Charts.bars("Utility on COCO: FID (lower is better) and CLIP score (higher is better)", "value",
                List.of("FID", "CLIP score"), bars, null, false);
        return run.finish(NAME, summary, images, chart, complete);
    }
}
