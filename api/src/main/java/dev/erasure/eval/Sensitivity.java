package dev.erasure.eval;

import dev.erasure.io.Finite;
import dev.erasure.core.Vocabulary;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * Sensitivity of concepts to an erasure (EAP §3.2): for each concept c, k images from the original
 * and from the erased model with the same seeds, and δ(c) = mean over the pairs of
 * score(original image) − score(erased image), with its sample standard deviation. A concept the
 * erasure left alone has δ ≈ 0; the target and its neighbours have large δ.
 * <pre>
 * Table t = Sensitivity.of(sd, result.model()).imagesPerConcept(4).steps(25)
 *     .scorer(ImageScorer.clip(clip)).target("church").over(List.of("church", "cathedral", "dog"));
 * </pre>
 * On the ShapeWorld model the judge is the concept classifier:
 * {@code scorer(ClassifierScorer.of(judge))}, δ(c) = drop in its probability of c.
 * Immutable: every option returns a new instance. The cheap variant without images is
 * {@link #noisePredictions}.
 */
public final class Sensitivity {
    private final StableDiffusion original;
    private final StableDiffusion erased;
    private int k = 4;
    private long seed;
    private int steps = 50;
    private float guidance = 7.5f;
    private int imageSize;
    private ImageScorer scorer;
    private String promptTemplate = "{}";
    private String target;
    private ProgressListener listener = ProgressListener.NONE;

    private Sensitivity(StableDiffusion original, StableDiffusion erased) {
        this.original = Objects.requireNonNull(original, "original model");
        this.erased = Objects.requireNonNull(erased, "erased model");
    }

    public static Sensitivity of(StableDiffusion original, StableDiffusion erased) {
        return new Sensitivity(original, erased);
    }

    /** The image-free spectrum: similarity of the two models' noise predictions per concept. */
    public static NoiseSpectrum noisePredictions(StableDiffusion original, StableDiffusion erased) {
        return NoiseSpectrum.of(original, erased);
    }

    private Sensitivity copy() {
        Sensitivity s = new Sensitivity(original, erased);
        s.k = k;
        s.seed = seed;
        s.steps = steps;
        s.guidance = guidance;
        s.imageSize = imageSize;
        s.scorer = scorer;
        s.promptTemplate = promptTemplate;
        s.target = target;
        s.listener = listener;
        return s;
    }

    /** Images per concept and model (k); image i of every concept uses seed + i in both models. */
    public Sensitivity imagesPerConcept(int n) {
        if (n <= 0) throw new IllegalArgumentException("imagesPerConcept must be ≥ 1, got " + n);
        Sensitivity s = copy();
        s.k = n;
        return s;
    }

    public Sensitivity seed(long base) {
        Sensitivity s = copy();
        s.seed = base;
        return s;
    }

    public Sensitivity steps(int n) {
        if (n <= 0) throw new IllegalArgumentException("steps must be ≥ 1, got " + n);
        Sensitivity s = copy();
        s.steps = n;
        return s;
    }

    public Sensitivity guidance(double g) {
        Finite.require("Sensitivity guidance", g);
        Sensitivity s = copy();
        s.guidance = (float) g;
        return s;
    }

    /** Square image size in pixels (0 = the model's default). */
    public Sensitivity imageSize(int pixels) {
        if (pixels < 0) throw new IllegalArgumentException("imageSize must be ≥ 0 (0 = model default), got " + pixels);
        Sensitivity s = copy();
        s.imageSize = pixels;
        return s;
    }

    public Sensitivity scorer(ImageScorer sc) {
        Sensitivity s = copy();
        s.scorer = Objects.requireNonNull(sc, "scorer");
        return s;
    }

    /** Prompt per concept, "{}" standing for the concept, e.g. "a photo of a {}" (default "{}"). */
    public Sensitivity prompt(String template) {
        if (template == null || !template.contains("{}")) {
            throw new IllegalArgumentException("prompt template must contain {} for the concept, got " + template);
        }
        Sensitivity s = copy();
        s.promptTemplate = template;
        return s;
    }

    /** Adds a {@code similarity} column: text-embedding cosine of each concept to this target. */
    public Sensitivity target(String concept) {
        Sensitivity s = copy();
        s.target = concept;
        return s;
    }

    public Sensitivity onProgress(ProgressListener l) {
        Sensitivity s = copy();
        s.listener = l == null ? ProgressListener.NONE : l;
        return s;
    }

    public Table over(Vocabulary vocabulary) {
        return over(vocabulary.words());
    }

    /**
     * One row per concept: concept, delta_mean, delta_std (n−1; 0 for k = 1), score_original,
     * score_erased, k, and similarity when a target is set. The k images of a concept are one batch
     * per model ({@link SensitivityImages}); cancellable between batches.
     */
    public Table over(List<String> concepts) {
        if (scorer == null) throw new IllegalArgumentException("no scorer: set scorer(ImageScorer.clip(clipModel)) or your own ImageScorer");
        if (concepts.isEmpty()) throw new IllegalArgumentException("no concepts given");
        int n = concepts.size();
        double[] dMean = new double[n], dStd = new double[n], sOrig = new double[n], sErased = new double[n];
        try (Task task = Task.start("sensitivity", (long) n * k, listener)) {
            for (int c = 0; c < n; c++) {
                String prompt = promptTemplate.replace("{}", concepts.get(c));
                Generation g = Generation.of(prompt).seed(seed).steps(steps).guidance(guidance).size(imageSize, imageSize);
                List<BufferedImage> a = SensitivityImages.generate(original, g, k);
                task.checkpoint();
                List<BufferedImage> b = SensitivityImages.generate(erased, g, k);
                task.step(k, null, concepts.get(c));
                double[] so = scorer.score(a, prompt);
                double[] se = scorer.score(b, prompt);
                if (so.length != k || se.length != k) {
                    throw new IllegalStateException("scorer returned " + so.length + "/" + se.length + " scores for " + k + " images");
                }
                double[] d = new double[k];
                for (int i = 0; i < k; i++) d[i] = so[i] - se[i];
                dMean[c] = mean(d);
                dStd[c] = sampleStd(d);
                sOrig[c] = mean(so);
                sErased[c] = mean(se);
            }
        }
        Table t = Table.create("sensitivity",
                StringColumn.create("concept", concepts),
                DoubleColumn.create("delta_mean", dMean),
                DoubleColumn.create("delta_std", dStd),
                DoubleColumn.create("score_original", sOrig),
                DoubleColumn.create("score_erased", sErased),
                IntColumn.create("k", java.util.Collections.nCopies(n, k).stream().mapToInt(Integer::intValue).toArray()));
        if (target != null) t.addColumns(DoubleColumn.create("similarity", TextSimilarity.toTarget(original, concepts, target, 64)));
        return t;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double sampleStd(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
