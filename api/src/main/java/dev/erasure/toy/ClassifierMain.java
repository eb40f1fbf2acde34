package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.toy.Concept.Attribute;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains the shipped ShapeWorld concept classifier and reports its held-out accuracy:
 * {@code java ... dev.erasure.toy.ClassifierMain OUTPUT_DIR [ITERATIONS]} (default 1500 iterations of batch 128,
 * training seed 1001, held-out seed 2002, 2000 images).
 */
public final class ClassifierMain {
    static final long TRAIN_SEED = 1001;
    static final long HELD_OUT_SEED = 2002;

    private ClassifierMain() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "models/shapeworld/classifier");
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 1500;
        ShapeWorld world = ShapeWorld.standard();
        try (NDManager m = NDManager.newBaseManager()) {
            long t0 = System.nanoTime();
            ConceptClassifier c = ConceptClassifier.train(world, m, TRAIN_SEED, iterations, 128);
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<Attribute, Double> acc = c.accuracy(world, HELD_OUT_SEED, 2000);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("steps", Integer.toString(iterations)); // the key the shipped classifier.safetensors has
            meta.put("batch", "128");
            meta.put("train_seed", Long.toString(TRAIN_SEED));
            meta.put("train_seconds", String.format("%.0f", secs));
            acc.forEach((a, v) -> meta.put("held_out_accuracy_" + a.name().toLowerCase(), String.format("%.4f", v)));
            c.save(out, meta);
            System.out.println("trained in " + Math.round(secs) + " s; held-out accuracy (seed " + HELD_OUT_SEED
                    + ", 2000 images): " + acc);
        }
    }
}
