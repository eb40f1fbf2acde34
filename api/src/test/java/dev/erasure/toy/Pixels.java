package dev.erasure.toy;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Pixel helpers for the ShapeWorld tests. */
final class Pixels {
    private Pixels() {
    }

    static int[] rgb(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    static int distance2(int a, int b) {
        int d = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int c = ((a >> shift) & 0xFF) - ((b >> shift) & 0xFF);
            d += c * c;
        }
        return d;
    }

    /** Which of the palette colours and the two backgrounds the pixel is closest to (a Colour or a Background). */
    static Enum<?> nearest(int rgb) {
        List<Enum<?>> candidates = new ArrayList<>(List.of(Colour.values()));
        candidates.addAll(List.of(Background.values()));
        Enum<?> best = null;
        int bestD = Integer.MAX_VALUE;
        for (Enum<?> c : candidates) {
            int d = distance2(rgb, c instanceof Colour col ? col.rgb() : ((Background) c).rgb());
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    /** The pixel that contains the point (fx, fy) given as fractions of the image side. */
    static int at(BufferedImage img, double fx, double fy) {
        return img.getRGB((int) Math.floor(fx * img.getWidth()), (int) Math.floor(fy * img.getHeight())) & 0xFFFFFF;
    }
}
