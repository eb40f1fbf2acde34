package dev.erasure.eval;

import dev.erasure.core.Vocabulary;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Generation;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.StableDiffusion;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Sensitivity of concepts to an erasure (EAP §3.2): for each concept c, k images from the original
 * and from the erased model with the same seeds, and δ(c) = mean over the pairs of
 * score(original image) − score(erased image), with its sample standard deviation. A concept the
 * erasure left alone has δ ≈ 0; the target and its neighbours have large δ.
 * <pre>
 * Table t = Sensitivity.of(sd, result.model()).imagesPerConcept(4).samplingSteps(25)
 *     .scorer(ImageScorer.clip(clip)).target("church").over(List.of("church", "cathedral", "dog"));
 * </pre>
 * On the ShapeWorld model the judge is the concept classifier:
 * {@code scorer(ClassifierScorer.of(judge))}, δ(c) = drop in its probability of c.
 * A record: every option returns a new one. The cheap variant without images is
 * {@link #noisePredictions}.
 */
public record Sensitivity(Pipeline original, Pipeline erased, int imagesPerConcept, long seed, int samplingSteps,
                          float guidance, int imageSize, ImageScorer scorer, String promptTemplate, String target,
                          ProgressListener listener) {
    /** Validates every option once, naming it. */
    public Sensitivity {
        Objects.requireNonNull(original, "original model");
        Objects.requireNonNull(erased, "erased model");
        if (imagesPerConcept <= 0) throw new IllegalArgumentException("imagesPerConcept must be ≥ 1, got " + imagesPerConcept);
        if (samplingSteps <= 0) throw new IllegalArgumentException("samplingSteps must be ≥ 1, got " + samplingSteps);
        if (!Float.isFinite(guidance)) throw new IllegalArgumentException("guidance must be finite, got " + guidance);
        if (imageSize < 0) throw new IllegalArgumentException("imageSize must be ≥ 0 (0 = model default), got " + imageSize);
        if (promptTemplate == null || !promptTemplate.contains("{}")) {
            throw new IllegalArgumentException("promptTemplate must contain {} for the concept, got " + promptTemplate);
        }
        if (listener == null) listener = ProgressListener.NONE;
    }

    /** EAP's setting: 4 images per concept and model, 50 denoising steps at guidance 7.5, the model's size, prompt "{}". */
    public static Sensitivity of(Pipeline original, Pipeline erased) {
        return new Sensitivity(original, erased, 4, 0, 50, 7.5f, 0, null, "{}", null, ProgressListener.NONE);
    }

    /** The image-free spectrum: similarity of the two models' noise predictions per concept (SD or SDXL). */
    public static NoiseSpectrum noisePredictions(Pipeline original, Pipeline erased) {
        return NoiseSpectrum.of(original, erased);
    }

    /** Images per concept and model (k); image i of every concept uses seed + i in both models. */
    public Sensitivity imagesPerConcept(int n) {
        return Records.with(this, "imagesPerConcept", n);
    }

    public Sensitivity seed(long base) {
        return Records.with(this, "seed", base);
    }

    /** Denoising steps of every image (50). */
    public Sensitivity samplingSteps(int n) {
        return Records.with(this, "samplingSteps", n);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps(int)}. */
    @Deprecated
    public Sensitivity steps(int n) {
        return samplingSteps(n);
    }

    public Sensitivity guidance(double g) {
        Finite.require("guidance", g);
        return Records.with(this, "guidance", (float) g);
    }

    /** Square image size in pixels (0 = the model's default). */
    public Sensitivity imageSize(int pixels) {
        return Records.with(this, "imageSize", pixels);
    }

    public Sensitivity scorer(ImageScorer sc) {
        return Records.with(this, "scorer", Objects.requireNonNull(sc, "scorer"));
    }

    /** Prompt per concept, "{}" standing for the concept, e.g. "a photo of a {}" (default "{}"). */
    public Sensitivity prompt(String template) {
        return Records.with(this, "promptTemplate", template);
    }

    /** Adds a {@code similarity} column: text-embedding cosine of each concept to this target. */
    public Sensitivity target(String concept) {
        return Records.with(this, "target", concept);
    }

    public Sensitivity onProgress(ProgressListener l) {
        return Records.with(this, "listener", l);
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
        try (Task task = Task.start("sensitivity", (long) n * imagesPerConcept, listener)) {
            for (int c = 0; c < n; c++) {
                String prompt = promptTemplate.replace("{}", concepts.get(c));
                Generation g = Generation.of(prompt).seed(seed).samplingSteps(samplingSteps).guidance(guidance).size(imageSize, imageSize);
                List<BufferedImage> a = images(original, g);
                task.checkIfCancelled();
                List<BufferedImage> b = images(erased, g);
                task.step(imagesPerConcept, null, concepts.get(c));
                double[] so = scorer.score(a, prompt);
                double[] se = scorer.score(b, prompt);
                if (so.length != imagesPerConcept || se.length != imagesPerConcept) {
                    throw new IllegalStateException("scorer returned " + so.length + "/" + se.length + " scores for " + imagesPerConcept + " images");
                }
                double[] d = new double[imagesPerConcept];
                for (int i = 0; i < imagesPerConcept; i++) d[i] = so[i] - se[i];
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
                IntColumn.create("images", Collections.nCopies(n, imagesPerConcept).stream().mapToInt(Integer::intValue).toArray()));
        if (target != null) t.addColumns(DoubleColumn.create("similarity", TextSimilarity.toTarget(original, concepts, target, 64)));
        return t;
    }

    /**
     * The k images of a request, image i from seed + i: one batch on SD 1.x/2.x ({@link SensitivityImages}), one
     * image at a time on other pipelines (SDXL), the same images up to float rounding.
     */
    private List<BufferedImage> images(Pipeline p, Generation g) {
        if (p instanceof StableDiffusion sd) return SensitivityImages.generate(sd, g, imagesPerConcept);
        List<BufferedImage> out = new ArrayList<>(imagesPerConcept);
        for (int i = 0; i < imagesPerConcept; i++) out.add(p.generate(g.seed(g.seed() + i)));
        return out;
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
