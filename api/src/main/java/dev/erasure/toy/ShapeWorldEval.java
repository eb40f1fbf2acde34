package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Djl;
import dev.erasure.sd.Images;
import dev.erasure.sd.Sampler;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Does a model draw what it is asked for? For each concept prompt ("a star", "something red") it
 * generates {@code n} images (seeds 0..n−1) and reports the classifier's top-1 agreement with the
 * prompted value, as a Tablesaw table: attribute, word, prompt, n, agreement, most_predicted.
 */
public final class ShapeWorldEval {
    private final ConceptClassifier classifier;
    private final int imagesPerPrompt;
    private final int samplingSteps;
    private final float guidance;

    public ShapeWorldEval(ConceptClassifier classifier, int imagesPerPrompt, int samplingSteps, float guidance) {
        if (imagesPerPrompt < 1) throw new IllegalArgumentException("imagesPerPrompt must be >= 1, got " + imagesPerPrompt);
        this.classifier = classifier;
        this.imagesPerPrompt = imagesPerPrompt;
        this.samplingSteps = samplingSteps;
        this.guidance = guidance;
    }

    /** The shape and colour prompts of the world (the DoD's figures). */
    public static List<Concept> shapeAndColourConcepts(ShapeWorld world) {
        return world.vocabulary().stream()
                .filter(c -> c.attribute() == Attribute.SHAPE || c.attribute() == Attribute.COLOUR).toList();
    }

    public Table agreement(StableDiffusion sd, List<Concept> concepts) {
        StringColumn attribute = StringColumn.create("attribute");
        StringColumn word = StringColumn.create("word");
        StringColumn prompt = StringColumn.create("prompt");
        IntColumn n = IntColumn.create("n");
        DoubleColumn agreement = DoubleColumn.create("agreement");
        StringColumn most = StringColumn.create("most_predicted");
        int size = classifier.imageSize();
        for (Concept c : concepts) {
            int target = ConceptClassifier.index(c.attribute(), c.word());
            int[] predicted;
            try (NDScope scope = new NDScope()) {
                predicted = classifier.predict(generate(sd, c.prompt(), size)).get(c.attribute());
            }
            int[] counts = new int[ConceptClassifier.classes(c.attribute())];
            for (int p : predicted) counts[p]++;
            int top = 0;
            for (int i = 1; i < counts.length; i++) if (counts[i] > counts[top]) top = i;
            attribute.append(c.attribute().name().toLowerCase());
            word.append(c.word());
            prompt.append(c.prompt());
            n.append(imagesPerPrompt);
            agreement.append(counts[target] / (double) imagesPerPrompt);
            most.append(ConceptClassifier.values(c.attribute())[top].word());
        }
        return Table.create("agreement", attribute, word, prompt, n, agreement, most);
    }

    /**
     * The rank of the prompted value among the classifier's classes for each of the {@code n} images of
     * the concept's prompt (0 = top-1; an image counts for top-k agreement when its rank is below k,
     * methods.md §7.3). Same images as {@link #agreement}.
     */
    public int[] ranks(StableDiffusion sd, Concept c) {
        int target = ConceptClassifier.index(c.attribute(), c.word());
        try (NDScope scope = new NDScope()) {
            float[] logits = classifier.logits(generate(sd, c.prompt(), classifier.imageSize())).get(c.attribute()).toFloatArray();
            int classes = ConceptClassifier.classes(c.attribute());
            int[] ranks = new int[imagesPerPrompt];
            for (int i = 0; i < imagesPerPrompt; i++) {
                float mine = logits[i * classes + target];
                for (int j = 0; j < classes; j++) if (logits[i * classes + j] > mine) ranks[i]++;
            }
            return ranks;
        }
    }

    /**
     * Images [n,3,size,size] in [-1,1] for seeds 0..n−1, denoised as one batch: the same latents, DDIM
     * sampling steps and guidance as {@code sd.generate(Generation.of(prompt).seed(s).samplingSteps(n).guidance(g).size(size, size))}
     * (equal up to float rounding), in a fraction of the time for a model this small.
     */
    NDArray generate(StableDiffusion sd, String prompt, int size) {
        return generate(sd, List.of(prompt), imagesPerPrompt, size);
    }

    /** {@link #generate(StableDiffusion, String, int)} for seeds 0..seeds−1 of every prompt, prompt-major, as one batch. */
    private NDArray generate(StableDiffusion sd, List<String> prompts, int seeds, int size) {
        // a judge may run on any thread, and a fresh one starts with grad mode on: sampling would keep every step's
        // graph (seen: 22 GB when the quickstart judged its models side by side)
        Djl.gradOffOnThisThread();
        NDList latents = new NDList();
        List<String> texts = new ArrayList<>();
        for (String p : prompts) {
            for (int s = 0; s < seeds; s++) {
                latents.add(sd.initialLatent(s, size, size));
                texts.add(p);
            }
        }
        NDArray x = NDArrays.concat(latents, 0);
        NDArray cond = sd.encodePrompts(texts);
        NDArray uncond = sd.encodePrompts(Collections.nCopies(texts.size(), ""));
        NDArray out = Sampler.denoise(sd.unet(), sd.scheduler(), x, cond, uncond, samplingSteps, guidance, ProgressListener.NONE, null);
        return sd.decode(out).clip(-1f, 1f);
    }

    /**
     * Images to look at: seeds 0..seeds−1 of every prompt at {@code size} px with this evaluation's sampling, denoised
     * as one batch (one UNet call per step instead of one per image); {@code result.get(p).get(s)}.
     */
    public List<List<BufferedImage>> images(StableDiffusion sd, List<String> prompts, int seeds, int size) {
        try (NDScope scope = new NDScope()) {
            NDArray all = generate(sd, prompts, seeds, size);
            List<List<BufferedImage>> out = new ArrayList<>();
            for (int p = 0; p < prompts.size(); p++) {
                List<BufferedImage> row = new ArrayList<>();
                for (int s = 0; s < seeds; s++) row.add(Images.toImage(all.get(p * seeds + s)));
                out.add(row);
            }
            return out;
        }
    }

    /**
     * Agreement (%) per concept (rows, column "concept") and model (one column each, in map order), every
     * model judged on the same seeds: the before/after table of an erasure.
     */
    public Table compare(Map<String, StableDiffusion> models, List<Concept> concepts) {
        Table t = Table.create("agreement per prompt (%)",
                StringColumn.create("concept", concepts.stream().map(Concept::word).toList()));
        models.forEach((name, m) -> t.addColumns(DoubleColumn.create(name, agreement(m, concepts).doubleColumn("agreement")
                .asList().stream().mapToDouble(v -> Math.round(v * 1000) / 10.0).toArray())));
        return t;
    }

    /**
     * The collateral-damage chart of a {@link #compare} table: per concept, how many points each model's
     * agreement lies below the first model's (the original).
     */
    public static CategoryChart dropChart(Table compare, String title) {
        CategoryChart c = new CategoryChartBuilder().width(720).height(400).title(title)
                .xAxisTitle("prompt").yAxisTitle("agreement drop vs " + compare.column(1).name() + " (points)").build();
        List<String> names = compare.stringColumn("concept").asList();
        if (names.size() > 8) c.getStyler().setXAxisLabelRotation(45); // the whole vocabulary: labels would overlap
        DoubleColumn original = compare.doubleColumn(1);
        for (int m = 2; m < compare.columnCount(); m++) {
            c.addSeries(compare.column(m).name(), names, original.subtract(compare.doubleColumn(m)).asList());
        }
        return c;
    }

    /** Mean agreement over the rows of one attribute ("shape", "colour"). */
    public static double mean(Table agreement, Attribute a) {
        Table rows = agreement.where(agreement.stringColumn("attribute").isEqualTo(a.name().toLowerCase()));
        return rows.doubleColumn("agreement").mean();
    }
}
