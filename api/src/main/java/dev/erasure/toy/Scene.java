package dev.erasure.toy;

/**
 * One image's attributes. {@code radius}, {@code centreX}, {@code centreY} are fractions of the image side
 * (so a scene renders at any size); the shape spans centre ± radius.
 */
public record Scene(ShapeKind shape, Colour colour, Style style, Background background,
                    double radius, double centreX, double centreY) {
    public Scene {
        if (shape == null || colour == null || style == null || background == null) {
            throw new IllegalArgumentException("scene attributes must not be null: " + shape + ", " + colour
                    + ", " + style + ", " + background);
        }
        if (!(radius > 0 && radius < 0.5)) throw new IllegalArgumentException("radius must be in (0, 0.5), got " + radius);
        if (!(centreX - radius >= 0 && centreX + radius <= 1 && centreY - radius >= 0 && centreY + radius <= 1)) {
            throw new IllegalArgumentException("shape at (" + centreX + ", " + centreY + ") with radius " + radius
                    + " leaves the image");
        }
    }

    public Scene withShape(ShapeKind s) {
        return new Scene(s, colour, style, background, radius, centreX, centreY);
    }

    public Scene withStyle(Style s) {
        return new Scene(shape, colour, s, background, radius, centreX, centreY);
    }
}
