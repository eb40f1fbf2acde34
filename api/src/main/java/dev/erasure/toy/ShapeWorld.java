package dev.erasure.toy;

import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic world of single coloured shapes, small enough to train a text-to-image model on a CPU, with
 * attributes a caption can name (see README.md in this package).
 *
 * <p>Determinism: item {@code i} of seed {@code s} draws from its own generator
 * {@code new SplittableRandom(mix64(s + (i + 1)·0x9E3779B97F4A7C15))}, split once for the scene and once for
 * the caption ({@link #streams}). Items are therefore reproducible one by one (random access, any order,
 * any batch size) and a scene does not depend on the caption grammar's settings.
 *
 * <p>Scene draws, in this order: shape (uniform over the 8), colour (uniform over 6), style (uniform over
 * {@link Style#allowedFor} the shape at this size), background (dark/light, ½ each), radius (uniform in
 * [minRadius, maxRadius] of the image side), centre x then y (uniform such that the shape keeps one pixel
 * clear of the border: the outermost pixel ring is always pure background).
 */
public final class ShapeWorld {
    /** 16 px: the probe's recommended size (32 px stayed at chance after 20 minutes of training). */
    public static final int DEFAULT_SIZE = 16;
    public static final double DEFAULT_MIN_RADIUS = 0.22;
    public static final double DEFAULT_MAX_RADIUS = 0.42;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final int size;
    private final double minRadius;
    private final double maxRadius;

    public ShapeWorld(int size, double minRadius, double maxRadius) {
        if (size < 8) throw new IllegalArgumentException("image size must be at least 8 px, got " + size);
        if (!(minRadius > 0 && minRadius <= maxRadius)) {
            throw new IllegalArgumentException("need 0 < minRadius <= maxRadius, got " + minRadius + ", " + maxRadius);
        }
        if (maxRadius + 1.0 / size >= 0.5) {
            throw new IllegalArgumentException("maxRadius " + maxRadius + " plus a one-pixel margin does not fit a "
                    + size + " px image (need maxRadius < " + (0.5 - 1.0 / size) + ")");
        }
        this.size = size;
        this.minRadius = minRadius;
        this.maxRadius = maxRadius;
    }

    public ShapeWorld(int size) {
        this(size, DEFAULT_MIN_RADIUS, DEFAULT_MAX_RADIUS);
    }

    /** 16×16 px, radius 0.22–0.42. */
    public static ShapeWorld standard() {
        return new ShapeWorld(DEFAULT_SIZE);
    }

    public int size() {
        return size;
    }

    /** The styles this world draws (solid and outlined below 32 px; all four from 32 px). */
    public List<Style> styles() {
        return Style.usedAt(size);
    }

    /** The concepts a caption of this world can name, shapes first, then colours, styles, backgrounds. */
    public List<Concept> vocabulary() {
        return Concept.vocabulary(styles());
    }

    /** Scene {@code index} of {@code seed}. */
    public Scene scene(long seed, long index) {
        return draw(streams(seed, index)[0]);
    }

    /** Scenes 0..n−1 of {@code seed}. */
    public List<Scene> sample(long seed, int n) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
        List<Scene> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(scene(seed, i));
        return out;
    }

    /** Draws one scene from {@code rng} (the order of draws is documented on the class). */
    public Scene draw(SplittableRandom rng) {
        ShapeKind shape = pick(rng, ShapeKind.values());
        Colour colour = pick(rng, Colour.values());
        List<Style> styles = Style.allowedFor(shape, size);
        Style style = styles.get(rng.nextInt(styles.size()));
        Background background = pick(rng, Background.values());
        double radius = minRadius + (maxRadius - minRadius) * rng.nextDouble();
        double margin = radius + 1.0 / size;
        double cx = margin + (1 - 2 * margin) * rng.nextDouble();
        double cy = margin + (1 - 2 * margin) * rng.nextDouble();
        return new Scene(shape, colour, style, background, radius, cx, cy);
    }

    /** The scene at this world's size. */
    public BufferedImage render(Scene scene) {
        return render(scene, size);
    }

    /** The scene as a {@code size}×{@code size} RGB image, 4×4 supersampled and box-filtered. */
    public static BufferedImage render(Scene scene, int size) {
        return Painter.render(scene, size);
    }

    /** The two generators of an item: [0] draws the scene, [1] the caption. */
    public static SplittableRandom[] streams(long seed, long index) {
        if (index < 0) throw new IllegalArgumentException("item index must be >= 0, got " + index);
        SplittableRandom item = new SplittableRandom(mix64(seed + (index + 1) * GOLDEN_GAMMA));
        return new SplittableRandom[] {item.split(), item.split()};
    }

    /** Stafford's variant 13 finaliser (the mixer SplittableRandom uses internally). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static <T> T pick(SplittableRandom rng, T[] values) {
        return values[rng.nextInt(values.length)];
    }

    /**
     * Trains (or resumes) the ShapeWorld text-to-image model described by {@code config}; see
     * {@link ShapeWorldTrainer}. The EMA weights are exported as a diffusers folder (output/final) at the end.
     */
    public static ShapeWorldTrainer.Result train(TrainConfig config, ProgressListener listener) {
        return new ShapeWorldTrainer(config).train(listener);
    }

    /**
     * The miniature of the seed paper's Table 1 on a ShapeWorld model: erase sets of shapes, the
     * standard methods (original, ESD, ESD + neutral, EAP), ESR-1/ESR-3 and PSR-1/PSR-3 judged by the
     * concept classifier, mean ± std over the sets; see {@link ShapeWorldBench}.
     */
    public static ShapeWorldBench bench(StableDiffusion model, ConceptClassifier judge) {
        return ShapeWorldBench.of(model, judge);
    }
}
