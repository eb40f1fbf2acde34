package dev.erasure.eval.paper;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.ClipModel;
import dev.erasure.eval.ClipScore;
import dev.erasure.eval.Protocol;
import dev.erasure.eval.RgbImage;
import dev.erasure.eval.judge.Lpips;
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

/**
 * EAP Table 4 (methods.md §7.4): the long niche-art prompts (5 artists × 40), 5 images per prompt from one seed
 * draw (LMS, 100 sampling steps, CFG 7.5), one erased model per artist. Per model: CLIP score (torchmetrics,
 * 100·max(cos, 0), full prompt) on the erased artist's prompts ("erase", lower is better) and on the other
 * artists' ("retain", higher is better), and LPIPS (alex, lpips' own [−1, 1] input, full resolution) against
 * the original model's image of the same prompt, seed and index (erase: higher is better; retain: lower).
 *
 * <pre>Artists.eap().run("Kelly McKernan", erased, original, clip, lpips, out, listener)</pre>
 *
 * The original model's images are made once ({@code out/original}); each erased model goes to the folder of
 * its artist's key (spaces and ':' removed, lower case, as the paper matches artists: "ajindemihuman").
 */
public record Artists(PromptSet prompts, int perArtist, int imagesPerPrompt, SchedulerType sampler, int samplingSteps,
                      float guidance, int size) {
    public static final String NAME = "artists";
    public static final String ORIGINAL = "original";
    private static final int FULL_PER_ARTIST = 40;

    public Artists {
        if (perArtist <= 0) throw new IllegalArgumentException("perArtist must be > 0, got " + perArtist);
        if (imagesPerPrompt <= 0) throw new IllegalArgumentException("imagesPerPrompt must be > 0, got " + imagesPerPrompt);
        if (samplingSteps <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + samplingSteps);
    }

    /** The paper's protocol: 40 prompts per artist, 5 images each, LMS 100 steps, CFG 7.5. */
    public static Artists eap() {
        return new Artists(PromptSet.artists(), FULL_PER_ARTIST, 5, SchedulerType.LMS, Protocol.DEFAULT_SAMPLING_STEPS,
                PromptSet.DEFAULT_GUIDANCE, 0);
    }

    /** The paper's artist match: spaces and ':' removed, lower case ("Ajin: Demi Human" → "ajindemihuman"). */
    public static String key(String artist) {
        return artist.replace(" ", "").replace(":", "").toLowerCase(Locale.ROOT);
    }

    /** The artists of the prompt set, in file order. */
    public List<String> artists() {
        return List.copyOf(new LinkedHashSet<>(prompts.labels()));
    }

    /** Only the first {@code n} prompts of each artist: a quick look (the result says it is partial). */
    public Artists limit(int n) {
        return Records.with(this, "perArtist", Math.min(n, perArtist));
    }

    public Artists imagesPerPrompt(int n) {
        return Records.with(this, "imagesPerPrompt", n);
    }

    public Artists samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    public Artists size(int px) {
        return Records.with(this, "size", px);
    }

    public Artists sampler(SchedulerType s) {
        return Records.with(this, "sampler", s);
    }

    /**
     * Generates (or resumes) the original model's images and those of the model with {@code artist} erased,
     * scores both, and tabulates every model of {@code out}.
     */
    public Evaluation run(String artist, Pipeline erased, Pipeline original, ClipModel clip, Lpips lpips, Path out,
                          ProgressListener listener) {
        String key = key(artist);
        List<String> keys = artists().stream().map(Artists::key).toList();
        if (!keys.contains(key)) throw new IllegalArgumentException("artist '" + artist + "' is not in " + prompts.name() + ": " + artists());
        PromptSet rows = firstPerArtist();
        PaperRun run = PaperRun.start(out, NAME, "EAP (Bui et al., NeurIPS 2024) Table 4; methods.md §7.4", settings(), rows);
        run.record().judge("clip", Pins.judge("CLIP score (torchmetrics: 100·max(cos, 0), full prompt)", clip.weights().source()));
        run.record().judge("lpips", Pins.judge("LPIPS v0.1 alex, lpips input 2x − 1, full resolution", lpips.sources().toArray(String[]::new)));
        run.record().put("limit", perArtist < FULL_PER_ARTIST ? perArtist : null);
        run.record().put("cost_per_model", Pins.cost((long) rows.size() * imagesPerPrompt, samplingSteps));
        Protocol generation = Protocol.of(rows.withGuidance(guidance)).samplingSteps(samplingSteps).scheduler(sampler).size(size)
                .imagesPerPrompt(imagesPerPrompt);
        Protocol.Result originalImages = run.generate(ORIGINAL, original, generation, listener);
        if (!PaperRun.judgeUnlessCancelled(originalImages, () -> judge(run, ORIGINAL, originalImages, null, clip, lpips, listener))) {
            return tabulate(run, false);
        }
        Protocol.Result erasedImages = run.generate(key, erased, generation, listener);
        boolean judged = PaperRun.judgeUnlessCancelled(erasedImages,
                () -> judge(run, key, erasedImages, originalImages.folder(), clip, lpips, listener));
        return tabulate(run, judged && originalImages.complete() && erasedImages.complete() && perArtist == FULL_PER_ARTIST);
    }

    private void judge(PaperRun run, String model, Protocol.Result images, Path originalFolder, ClipModel clip, Lpips lpips,
                       ProgressListener listener) {
        List<Map<String, String>> manifest = PaperRun.manifest(images);
        ClipScore score = new ClipScore(clip);
        List<List<String>> rows = new ArrayList<>();
        try (Task task = Task.start("CLIP" + (originalFolder == null ? "" : " + LPIPS") + " " + model, manifest.size(),
                listener == null ? ProgressListener.NONE : listener)) {
            for (int start = 0; start < manifest.size(); start += 8) {
                List<Map<String, String>> batch = manifest.subList(start, Math.min(manifest.size(), start + 8));
                List<RgbImage> imgs = PaperRun.read(images.folder(), batch);
                float[] cos = score.pairCosinesRgb(imgs, batch.stream().map(m -> m.get("prompt")).toList());
                float[] clipScores = ClipScore.clamp(cos);
                float[] d = null;
                if (originalFolder != null) {
                    d = lpips.distances(imgs, PaperRun.read(originalFolder, batch));
                }
                for (int i = 0; i < batch.size(); i++) {
                    Map<String, String> m = batch.get(i);
                    rows.add(List.of(m.get("file"), m.get("case_number"), m.get("label"), m.get("prompt"),
                            Float.toString(clipScores[i]), d == null ? "" : Float.toString(d[i])));
                }
                task.step(batch.size(), null, null);
            }
        }
        run.writeJudged(model, List.of("file", "case_number", "artist", "prompt", "clip_score", "lpips"), rows);
    }

    private PromptSet firstPerArtist() {
        Map<String, Integer> seen = new HashMap<>();
        return prompts.filter(r -> seen.merge(r.label(), 1, Integer::sum) <= perArtist);
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = PaperRun.generationSettings(prompts, sampler, samplingSteps, guidance, size);
        s.put("images_per_prompt", imagesPerPrompt);
        s.put("seeds", "per row: evaluation_seed; image i = slice i of torch.manual_seed(s); randn((n,4,h,w)) on the CPU");
        s.put("clip_score", "torchmetrics CLIPScore: 100·max(cos, 0) of image and full prompt");
        s.put("lpips", "lpips.LPIPS(net='alex') v0.1, input 2x − 1, against the original model's image of the same file name");
        s.put("artist_match", "spaces and ':' removed, lower case");
        s.put("mean_std", Spread.CONVENTION);
        return s;
    }

    private Evaluation tabulate(PaperRun run, boolean complete) {
        Table summary = Table.create("Artists (CLIP score and LPIPS)", StringColumn.create("model"), StringColumn.create("erased_artist"),
                IntColumn.create("images"));
        for (String c : List.of("CLIP_erase", "CLIP_erase_std", "CLIP_retain", "CLIP_retain_std", "LPIPS_erase", "LPIPS_erase_std",
                "LPIPS_retain", "LPIPS_retain_std")) {
            summary.addColumns(DoubleColumn.create(c));
        }
        Table images = Table.create("CLIP score and LPIPS per image", StringColumn.create("model"), StringColumn.create("file"),
                StringColumn.create("artist"), DoubleColumn.create("clip_score"), DoubleColumn.create("lpips"));
        Map<String, double[]> bars = new LinkedHashMap<>();
        Map<String, double[]> errs = new LinkedHashMap<>();
        List<String> categories = List.of("CLIP erase", "CLIP retain", "LPIPS erase", "LPIPS retain");
        for (String model : run.judgedModels()) {
            List<Map<String, String>> rows = run.judged(model);
            for (Map<String, String> r : rows) {
                images.stringColumn("model").append(model);
                images.stringColumn("file").append(r.get("file"));
                images.stringColumn("artist").append(r.get("artist"));
                images.doubleColumn("clip_score").append(Double.parseDouble(r.get("clip_score")));
                images.doubleColumn("lpips").append(r.get("lpips").isEmpty() ? Double.NaN : Double.parseDouble(r.get("lpips")));
            }
            List<String> erasedArtists = model.equals(ORIGINAL) ? artists().stream().map(Artists::key).toList() : List.of(model);
            for (String a : erasedArtists) {
                Spread[] s = {spread(rows, a, true, "clip_score"), spread(rows, a, false, "clip_score"),
                        spread(rows, a, true, "lpips"), spread(rows, a, false, "lpips")};
                summary.stringColumn("model").append(model);
                summary.stringColumn("erased_artist").append(model.equals(ORIGINAL) ? a + " (none erased)" : a);
                summary.intColumn("images").append(rows.size());
                for (int i = 0; i < 4; i++) {
                    summary.doubleColumn(3 + 2 * i).append(s[i].mean());
                    summary.doubleColumn(4 + 2 * i).append(s[i].std());
                }
                if (!model.equals(ORIGINAL)) {
                    bars.put(a, new double[] {s[0].mean(), s[1].mean(), 100 * s[2].mean(), 100 * s[3].mean()});
                    errs.put(a, new double[] {s[0].std(), s[1].std(), 100 * s[2].std(), 100 * s[3].std()});
                }
            }
        }
        var chart = Charts.bars("Artists: CLIP score and 100 × LPIPS, mean ± std", "CLIP score, 100 × LPIPS", categories,
                bars, errs, false);
        return run.finish(NAME, summary, images, chart, complete);
    }

    /** Mean ± std of a column over the images of the erased artist ({@code erase}) or of the others. */
    private static Spread spread(List<Map<String, String>> rows, String artistKey, boolean erase, String column) {
        double[] v = rows.stream().filter(r -> key(r.get("artist")).equals(artistKey) == erase)
                .mapToDouble(r -> r.get(column).isEmpty() ? Double.NaN : Double.parseDouble(r.get(column))).toArray();
        return Spread.of(v);
    }
}
