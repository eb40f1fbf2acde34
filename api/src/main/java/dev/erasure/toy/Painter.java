package dev.erasure.toy;

import java.awt.image.BufferedImage;

/**
 * Rasterises a scene: every pixel averages 4×4 sub-samples (supersampling, then a box filter), each either
 * the shape's colour ("ink") or the background. Patterns are measured in output pixels and anchored to the
 * image grid, so they look the same at every shape size.
 */
final class Painter {
    static final int SUPERSAMPLE = 4;
    private static final double STRIPE_PERIOD = 6;   // along x+y, i.e. 4.2 px across the stripes
    private static final double DOT_PERIOD = 4;
    private static final double DOT_RADIUS = 1.3;
    private static final int EROSION_DIRECTIONS = 12;

    private final Scene scene;
    private final int size;
    private final double radiusPx;
    private final double outlinePx;

    private Painter(Scene scene, int size) {
        this.scene = scene;
        this.size = size;
        this.radiusPx = scene.radius() * size;
        this.outlinePx = Math.max(1.25, 0.25 * radiusPx);
    }

    static BufferedImage render(Scene scene, int size) {
        if (size < 4) throw new IllegalArgumentException("image size must be at least 4 px, got " + size);
        return new Painter(scene, size).paint();
    }

    private BufferedImage paint() {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int samples = SUPERSAMPLE * SUPERSAMPLE;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int inked = 0;
                for (int j = 0; j < SUPERSAMPLE; j++) {
                    for (int i = 0; i < SUPERSAMPLE; i++) {
                        if (ink(x + (i + 0.5) / SUPERSAMPLE, y + (j + 0.5) / SUPERSAMPLE)) inked++;
                    }
                }
                img.setRGB(x, y, mix(scene.background().rgb(), scene.colour().rgb(), inked / (double) samples));
            }
        }
        return img;
    }

    /** Whether the sub-sample at (px, py) (output pixel units) shows the colour. */
    private boolean ink(double px, double py) {
        if (!inside(px, py)) return false;
        switch (scene.style()) {
            case SOLID:
                return true;
            case OUTLINED:
                return !deepInside(px, py);
            case STRIPED:
                return Math.floorMod((long) Math.floor(px + py), (long) STRIPE_PERIOD) < STRIPE_PERIOD / 2;
            case DOTTED: {
                double dx = px - (Math.floor(px / DOT_PERIOD) + 0.5) * DOT_PERIOD;
                double dy = py - (Math.floor(py / DOT_PERIOD) + 0.5) * DOT_PERIOD;
                return dx * dx + dy * dy <= DOT_RADIUS * DOT_RADIUS;
            }
            default:
                throw new AssertionError(scene.style());
        }
    }

    private boolean inside(double px, double py) {
        return scene.shape().inside((px - scene.centreX() * size) / radiusPx, (py - scene.centreY() * size) / radiusPx);
    }

    /** Inside the shape eroded by the outline width (checked in a ring of directions): the unpainted interior. */
    private boolean deepInside(double px, double py) {
        for (int k = 0; k < EROSION_DIRECTIONS; k++) {
            double a = 2 * Math.PI * k / EROSION_DIRECTIONS;
            if (!inside(px + outlinePx * Math.cos(a), py + outlinePx * Math.sin(a))) return false;
        }
        return true;
    }

    /** Per channel a + (b − a)·t, rounded. */
    private static int mix(int a, int b, double t) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int ca = (a >> shift) & 0xFF;
            int cb = (b >> shift) & 0xFF;
            out |= (int) Math.round(ca + (cb - ca) * t) << shift;
        }
        return out;
    }
}
