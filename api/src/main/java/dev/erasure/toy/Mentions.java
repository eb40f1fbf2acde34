package dev.erasure.toy;

/** The attributes a caption names; null where it names none. */
public record Mentions(ShapeKind shape, Colour colour, Style style, Background background) {
    /** Whether every named attribute is the scene's. */
    public boolean isSubsetOf(Scene scene) {
        return (shape == null || shape == scene.shape())
                && (colour == null || colour == scene.colour())
                && (style == null || style == scene.style())
                && (background == null || background == scene.background());
    }

    public boolean isEmpty() {
        return shape == null && colour == null && style == null && background == null;
    }
}
