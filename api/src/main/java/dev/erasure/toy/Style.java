package dev.erasure.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * How a shape is painted — the world's analogue of an artist's style. Not every style is drawn on every shape
 * at every size (see {@link #allowed}): a style the pixels cannot show would teach the model a word with no
 * visual meaning, and an outlined circle at 16 px <em>is</em> a thin ring (ShapeWorld probe, pitfall 5).
 */
public enum Style implements Worded {
    /** Filled with the colour. */
    SOLID("solid"),
    /** Only a band along the edge (about a quarter of the radius, at least 1.25 px). */
    OUTLINED("outlined"),
    /** Diagonal stripes of the colour and the background, 2.1 px wide (period 4.2 px), anchored to the image grid. */
    STRIPED("striped"),
    /** Dots of radius 1.3 px on a 4 px grid anchored to the image. */
    DOTTED("dotted");

    /** Striped and dotted need room for a few periods of their pattern inside a shape. */
    public static final int PATTERN_MIN_SIZE = 32;
    /** Below this size an outlined heart reads as a circle (pitfall 5). */
    public static final int OUTLINED_HEART_MIN_SIZE = 32;

    private final String word;

    Style(String word) {
        this.word = word;
    }

    @Override
    public String word() {
        return word;
    }

    /**
     * Whether this style is drawn on the shape in an image of {@code size} pixels:
     * never outlined for circle and ring (an outlined circle is a ring); the ring is always solid (its annulus
     * is too thin for stripes or dots); striped and dotted only from 32 px; outlined hearts only from 32 px.
     */
    public boolean allowed(ShapeKind shape, int size) {
        switch (this) {
            case SOLID:
                return true;
            case OUTLINED:
                return shape != ShapeKind.CIRCLE && shape != ShapeKind.RING
                        && (shape != ShapeKind.HEART || size >= OUTLINED_HEART_MIN_SIZE);
            case STRIPED:
            case DOTTED:
                return shape != ShapeKind.RING && size >= PATTERN_MIN_SIZE;
            default:
                throw new AssertionError(this);
        }
    }

    /** The styles drawn on the shape at this size, in declaration order (never empty: solid always is). */
    public static List<Style> allowedFor(ShapeKind shape, int size) {
        List<Style> out = new ArrayList<>();
        for (Style s : values()) {
            if (s.allowed(shape, size)) out.add(s);
        }
        return out;
    }

    /** The styles drawn on at least one shape at this size. */
    public static List<Style> usedAt(int size) {
        List<Style> out = new ArrayList<>();
        for (Style s : values()) {
            for (ShapeKind k : ShapeKind.values()) {
                if (s.allowed(k, size)) {
                    out.add(s);
                    break;
                }
            }
        }
        return out;
    }
}
