package dev.erasure.toy;

/**
 * The eight shapes, each an inside test in the shape's own frame: u, v in [-1,1] are the offsets from the
 * centre divided by the radius, v pointing down (image rows). Every shape is left-right symmetric, so a
 * horizontal flip of an image keeps its caption true. Two look-alike pairs are deliberate: circle/ring and
 * square/diamond (the same square turned by 45 degrees) — erasing one of a pair measures collateral damage
 * on its neighbour.
 */
public enum ShapeKind implements Worded {
    CIRCLE("circle"),
    SQUARE("square"),
    TRIANGLE("triangle"),
    STAR("star"),
    HEART("heart"),
    CROSS("cross"),
    RING("ring"),
    DIAMOND("diamond");

    /** Half side of the square: smaller than the circle so that both cover a similar area. */
    static final double SQUARE_HALF_SIDE = 0.8;
    /** Inner radius of the ring: a thick annulus (half the radius), so that the hole survives at 16 px. */
    static final double RING_INNER = 0.5;
    /** Half width of the cross's arms. */
    static final double CROSS_HALF_WIDTH = 0.34;
    /** Inner radius of the five-pointed star (0.38 would be the regular pentagram; fatter reads better small). */
    static final double STAR_INNER = 0.45;

    private static final double[][] TRIANGLE_XY = {{0, -1}, {1, 0.85}, {-1, 0.85}};
    private static final double[][] STAR_XY = starVertices();

    private final String word;

    ShapeKind(String word) {
        this.word = word;
    }

    /** The caption word. */
    @Override
    public String word() {
        return word;
    }

    /** Whether the point (u, v) of the shape's frame is inside the shape. */
    public boolean inside(double u, double v) {
        switch (this) {
            case CIRCLE:
                return u * u + v * v <= 1;
            case RING: {
                double d = u * u + v * v;
                return d <= 1 && d >= RING_INNER * RING_INNER;
            }
            case SQUARE:
                return Math.abs(u) <= SQUARE_HALF_SIDE && Math.abs(v) <= SQUARE_HALF_SIDE;
            case DIAMOND:
                return Math.abs(u) + Math.abs(v) <= 1;
            case CROSS: {
                double a = Math.abs(u);
                double b = Math.abs(v);
                return a <= 1 && b <= 1 && (a <= CROSS_HALF_WIDTH || b <= CROSS_HALF_WIDTH);
            }
            case TRIANGLE:
                return insidePolygon(TRIANGLE_XY, u, v);
            case STAR:
                return insidePolygon(STAR_XY, u, v);
            case HEART:
                return insideHeart(u, v);
            default:
                throw new AssertionError(this);
        }
    }

    /** The classic heart curve (x²+y²−1)³ − x²y³ ≤ 0 (y up), scaled and shifted so its box is [-1,1]². */
    private static boolean insideHeart(double u, double v) {
        double x = u * 1.14;
        double y = 0.12 - v * 1.12;
        double q = x * x + y * y - 1;
        return q * q * q - x * x * y * y * y <= 0;
    }

    private static double[][] starVertices() {
        double[][] xy = new double[10][];
        for (int k = 0; k < 10; k++) {
            double angle = Math.toRadians(-90 + 36 * k);
            double radius = k % 2 == 0 ? 1 : STAR_INNER;
            xy[k] = new double[] {radius * Math.cos(angle), radius * Math.sin(angle)};
        }
        return xy;
    }

    /** Even-odd ray casting. */
    private static boolean insidePolygon(double[][] xy, double u, double v) {
        boolean in = false;
        for (int i = 0, j = xy.length - 1; i < xy.length; j = i++) {
            double ui = xy[i][0], vi = xy[i][1], uj = xy[j][0], vj = xy[j][1];
            if ((vi > v) != (vj > v) && u < (uj - ui) * (v - vi) / (vj - vi) + ui) in = !in;
        }
        return in;
    }
}
