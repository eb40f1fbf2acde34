package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.toy.Concept.Attribute;
import dev.erasure.viz.ImageGrid;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Classifier agreement of ShapeWorld models on the shape and colour prompts:
 * {@code EvalMain CLASSIFIER_DIR CURVE_CSV IMAGES_PER_PROMPT SAMPLING_STEPS GUIDANCE MODEL_DIR...}. Each model folder
 * named {@code step-N} (or with a {@code step} in its weights' metadata) adds a row "step, shape, colour" to the
 * curve CSV; the per-prompt table of each model is written beside it as {@code agreement-<folder>.csv}.
 */
public final class EvalMain {
    private EvalMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 6) {
            System.err.println("usage: EvalMain CLASSIFIER_DIR CURVE_CSV IMAGES_PER_PROMPT SAMPLING_STEPS GUIDANCE MODEL_DIR...");
            System.exit(2);
        }
        Path curve = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        int samplingSteps = Integer.parseInt(args[3]);
        float guidance = Float.parseFloat(args[4]);
        try (NDManager m = NDManager.newBaseManager()) {
            ShapeWorldEval eval = new ShapeWorldEval(ConceptClassifier.load(Path.of(args[0]), m), n, samplingSteps, guidance);
            for (int i = 5; i < args.length; i++) {
                Path model = Path.of(args[i]);
                try (StableDiffusion sd = StableDiffusion.load(model)) {
                    Table t = eval.agreement(sd, ShapeWorldEval.shapeAndColourConcepts(ShapeWorld.standard()));
                    String name = model.getFileName().toString();
                    AtomicFiles.write(curve.resolveSibling("agreement-" + name + ".csv"), out -> t.write().csv(out));
                    double shape = ShapeWorldEval.mean(t, Attribute.SHAPE);
                    double colour = ShapeWorldEval.mean(t, Attribute.COLOUR);
                    appendCurve(curve, name, n, samplingSteps, guidance, shape, colour);
                    System.out.println(t.print());
                    samples(sd, curve.resolveSibling("samples-" + name + ".png"), samplingSteps, guidance);
                    System.out.printf(Locale.ROOT, "%s: shape top-1 %.3f, colour top-1 %.3f%n", name, shape, colour);
                }
            }
        }
    }

    /** A grid of the shape prompts (rows) for seeds 0–5 (columns), shown at 64 px per image. */
    static void samples(StableDiffusion sd, Path png, int samplingSteps, float guidance) {
        ImageGrid grid = ImageGrid.columns("seed 0", "seed 1", "seed 2", "seed 3", "seed 4", "seed 5").cellSize(64)
                .title(png.getFileName().toString());
        for (Concept c : ShapeWorldEval.shapeAndColourConcepts(ShapeWorld.standard())) {
            List<BufferedImage> row = new ArrayList<>();
            for (int s = 0; s < 6; s++) {
                row.add(sd.generate(Generation.of(c.prompt()).seed(s).samplingSteps(samplingSteps).guidance(guidance).size(16, 16)));
            }
            grid = grid.row(c.prompt(), row);
        }
        grid.save(png);
    }

    private static void appendCurve(Path curve, String name, int n, int samplingSteps, float guidance, double shape, double colour) {
        try {
            // ddim_steps (the sampling steps) keeps its name: rows are appended to the shipped models/shapeworld/curve.csv
            String before = Files.exists(curve) ? Files.readString(curve)
                    : "model,step,images_per_prompt,ddim_steps,guidance,shape_top1,colour_top1\n";
            String step = name.startsWith("step-") ? name.substring(5) : "";
            AtomicFiles.writeString(curve, before + String.format(Locale.ROOT, "%s,%s,%d,%d,%.1f,%.4f,%.4f%n", name, step,
                    n, samplingSteps, guidance, shape, colour));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + curve + ": " + e.getMessage(), e);
        }
    }
}
