package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.eval.Judge;
import dev.erasure.sd.Images;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.nn.Nn;
import dev.erasure.toy.Concept.Attribute;
import dev.erasure.train.AdamW;
import dev.erasure.train.Gradients;
import dev.erasure.train.Init;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ShapeWorld judge (the analogue of the paper's ResNet-50 classifier): a small CNN over
 * [B,3,S,S] images in [-1,1] with one head per attribute: shape, colour, style, background.
 * conv3×3(32)·ReLU → conv3×3(32)·ReLU → maxpool2 → conv3×3(64)·ReLU → maxpool2 → conv3×3(128)·ReLU →
 * global mean and max → four linear heads. Trained on freshly drawn images ({@link #train}).
 */
public final class ConceptClassifier {
    /** Number of classes of an attribute's head. */
    public static int classes(Attribute a) {
        return values(a).length;
    }

    /** The values of an attribute in class-index order (enum order). */
    public static Worded[] values(Attribute a) {
        return switch (a) {
            case SHAPE -> ShapeKind.values();
            case COLOUR -> Colour.values();
            case STYLE -> Style.values();
            case BACKGROUND -> Background.values();
        };
    }

    /** An attribute's class index in a scene. */
    public static int label(Attribute a, Scene s) {
        return switch (a) {
            case SHAPE -> s.shape().ordinal();
            case COLOUR -> s.colour().ordinal();
            case STYLE -> s.style().ordinal();
            case BACKGROUND -> s.background().ordinal();
        };
    }

    /** The class index of an attribute's word ("star" → SHAPE's index of STAR). */
    public static int index(Attribute a, String word) {
        Worded[] v = values(a);
        for (int i = 0; i < v.length; i++) if (v[i].word().equals(word)) return i;
        throw new IllegalArgumentException("'" + word + "' is not a " + a.name().toLowerCase() + " of ShapeWorld");
    }

    private static String key(Attribute a) {
        return a.name().toLowerCase();
    }

    private static final int[][] CONVS = {{32, 3}, {32, 32}, {64, 32}, {128, 64}};
    private static final int FEATURES = 2 * CONVS[CONVS.length - 1][0];

    private final Weights w;
    private final int imageSize;

    public ConceptClassifier(Map<String, NDArray> weights, int imageSize, String source) {
        this.w = new Weights(weights, source);
        this.imageSize = imageSize;
        for (Attribute a : Attribute.values()) w.get("heads." + key(a) + ".weight", new Shape(classes(a), FEATURES));
    }

    /** The parameter shapes (conv{i}, heads.{attribute}). */
    static Map<String, Shape> shapes() {
        Map<String, Shape> s = new LinkedHashMap<>();
        for (int i = 0; i < CONVS.length; i++) {
            s.put("conv" + i + ".weight", new Shape(CONVS[i][0], CONVS[i][1], 3, 3));
            s.put("conv" + i + ".bias", new Shape(CONVS[i][0]));
        }
        for (Attribute a : Attribute.values()) {
            s.put("heads." + key(a) + ".weight", new Shape(classes(a), FEATURES));
            s.put("heads." + key(a) + ".bias", new Shape(classes(a)));
        }
        return s;
    }

    /** Logits per attribute, [B, classes] each. */
    public Map<Attribute, NDArray> logits(NDArray images) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) throw new IllegalArgumentException("images must be [B,3,H,W], got " + s);
        NDArray x = images;
        for (int i = 0; i < CONVS.length; i++) {
            x = Nn.conv2d(w.sub("conv" + i), x, 1, 1).getNDArrayInternal().relu();
            if (i == 1 || i == 2) x = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
        }
        // mean and max over positions: position-invariant, and max keeps the sharp local evidence (corners, holes)
        NDArray flat = x.reshape(x.getShape().get(0), x.getShape().get(1), -1);
        NDArray features = Nn.cat(1, flat.mean(new int[] {2}), flat.max(new int[] {2}));
        Map<Attribute, NDArray> out = new EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) out.put(a, Nn.linear(w.sub("heads." + key(a)), features));
        return out;
    }

    /** Top-1 class per image and attribute: {@code predict(x).get(SHAPE)[i]} is a {@link ShapeKind} ordinal. */
    public Map<Attribute, int[]> predict(NDArray images) {
        Map<Attribute, int[]> out = new EnumMap<>(Attribute.class);
        try (NDScope scope = new NDScope()) {
            logits(images).forEach((a, l) -> {
                long[] idx = l.argMax(1).toLongArray();
                int[] c = new int[idx.length];
                for (int i = 0; i < idx.length; i++) c[i] = (int) idx[i];
                out.put(a, c);
            });
        }
        return out;
    }

    /**
     * Softmax probabilities [n][classes] of one attribute for RGB images of {@link #imageSize()} pixels
     * (as {@code sd.generate} returns them).
     */
    public float[][] probabilities(List<BufferedImage> images, Attribute a) {
        if (images.isEmpty()) return new float[0][];
        try (NDManager m = NDManager.newBaseManager()) {
            NDList batch = new NDList(images.size());
            for (int i = 0; i < images.size(); i++) {
                BufferedImage img = images.get(i);
                if (img.getWidth() != imageSize || img.getHeight() != imageSize) {
                    throw new IllegalArgumentException("image " + i + " is " + img.getWidth() + "x" + img.getHeight()
                            + " px; the ShapeWorld classifier judges " + imageSize + "x" + imageSize + " px images");
                }
                batch.add(Images.fromImage(m, img));
            }
            float[] p = logits(NDArrays.concat(batch, 0)).get(a).softmax(1).toFloatArray();
            int k = classes(a);
            float[][] out = new float[images.size()][];
            for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(p, i * k, (i + 1) * k);
            return out;
        }
    }

    /**
     * The attack judge of ShapeWorld ({@link dev.erasure.eval.Judge}): an image "shows" a concept word
     * (a shape, colour, style or background) when the classifier's top-1 class of that attribute is it.
     */
    public Judge judge() {
        return (image, concept) -> {
            Concept c = Concept.named(concept);
            float[] p = probabilities(List.of(image), c.attribute())[0];
            int top = 0;
            for (int i = 1; i < p.length; i++) if (p[i] > p[top]) top = i;
            return top == index(c.attribute(), c.word());
        };
    }

    /** Mean cross-entropy over the four heads. */
    NDArray loss(NDArray images, Map<Attribute, NDArray> labels) {
        NDArray total = null;
        for (Map.Entry<Attribute, NDArray> e : logits(images).entrySet()) {
            NDArray logp = e.getValue().logSoftmax(1);
            NDArray ce = logp.mul(labels.get(e.getKey()).oneHot(classes(e.getKey()))).sum(new int[] {1}).mean().neg();
            total = total == null ? ce : total.add(ce);
        }
        return total.div(Nn.scalar(total, Attribute.values().length));
    }

    public int imageSize() {
        return imageSize;
    }

    public Map<String, NDArray> weights() {
        return w.asMap();
    }

    /** Batch {@code b} of drawn images (seeded) and their labels per attribute. */
    static Map.Entry<NDArray, Map<Attribute, NDArray>> drawn(ShapeWorld world, NDManager m, long seed, long first, int size) {
        NDList images = new NDList(size);
        Map<Attribute, long[]> labels = new EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) labels.put(a, new long[size]);
        for (int i = 0; i < size; i++) {
            Scene s = world.scene(seed, first + i);
            images.add(Images.fromImage(m, world.render(s)));
            for (Attribute a : Attribute.values()) labels.get(a)[i] = label(a, s);
        }
        Map<Attribute, NDArray> l = new EnumMap<>(Attribute.class);
        labels.forEach((a, v) -> l.put(a, m.create(v)));
        return Map.entry(NDArrays.concat(images, 0), l);
    }

    /**
     * Trains a fresh classifier on drawn images of {@code world} (seed {@code seed}): AdamW 3e-3 with
     * linear decay over {@code iterations} updates, batch {@code batch}. The weights live in {@code manager}.
     */
    public static ConceptClassifier train(ShapeWorld world, NDManager manager, long seed, int iterations, int batch) {
        Map<String, NDArray> params = Init.initialise(shapes(), manager, seed);
        params.values().forEach(p -> p.setRequiresGradient(true));
        ConceptClassifier model = new ConceptClassifier(params, world.size(), "training");
        AdamW opt = AdamW.withDefaults(params, manager);
        for (int step = 0; step < iterations; step++) {
            try (NDScope scope = new NDScope(); GradientCollector gc = Gradients.collector()) {
                var b = drawn(world, manager, seed, (long) step * batch, batch);
                gc.backward(model.loss(b.getKey(), b.getValue()));
            }
            opt.step(3e-3f * (iterations - step) / iterations, 1f);
        }
        params.values().forEach(p -> p.setRequiresGradient(false));
        return model;
    }

    /** Held-out top-1 accuracy per attribute on {@code n} drawn images of seed {@code seed}. */
    public Map<Attribute, Double> accuracy(ShapeWorld world, long seed, int n) {
        Map<Attribute, Double> out = new EnumMap<>(Attribute.class);
        Map<Attribute, Integer> right = new EnumMap<>(Attribute.class);
        NDManager m = w.asMap().values().iterator().next().getManager();
        for (int first = 0; first < n; first += 256) {
            int size = Math.min(256, n - first);
            try (NDScope scope = new NDScope()) {
                var b = drawn(world, m, seed, first, size);
                Map<Attribute, int[]> p = predict(b.getKey());
                for (Attribute a : Attribute.values()) {
                    long[] truth = b.getValue().get(a).toLongArray();
                    int ok = 0;
                    for (int i = 0; i < size; i++) if (p.get(a)[i] == truth[i]) ok++;
                    right.merge(a, ok, Integer::sum);
                }
            }
        }
        right.forEach((a, r) -> out.put(a, r / (double) n));
        return out;
    }

    /** Writes {@code classifier.safetensors} and {@code config.json} into {@code dir}. */
    public void save(Path dir, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
            Safetensors.save(dir.resolve("classifier.safetensors"), w.asMap(), metadata);
            JsonObject c = new JsonObject();
            c.addProperty("_class_name", "dev.erasure.toy.ConceptClassifier");
            c.addProperty("image_size", imageSize);
            for (Attribute a : Attribute.values()) c.add(key(a), ShapeWorldModel.GSON.toJsonTree(names(values(a))));
            ModelExport.write(dir.resolve("config.json"), c);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write classifier to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<String> names(Worded[] values) {
        return Arrays.stream(values).map(Worded::word).toList();
    }

    /** Loads a classifier saved by {@link #save} (memory-mapped, read-only). */
    public static ConceptClassifier load(Path dir, NDManager manager) {
        Path cfg = dir.resolve("config.json");
        try {
            JsonObject c = JsonParser.parseString(Files.readString(cfg)).getAsJsonObject();
            Path file = dir.resolve("classifier.safetensors");
            return new ConceptClassifier(Safetensors.load(file, manager), c.get("image_size").getAsInt(), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classifier config " + cfg + ": " + e.getMessage(), e);
        }
    }
}
