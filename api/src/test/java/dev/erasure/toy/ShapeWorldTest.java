package dev.erasure.toy;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator: determinism, attribute distribution, and that every attribute is visible in the pixels. */
class ShapeWorldTest {
    private static final ShapeWorld W16 = ShapeWorld.standard();
    private static final ShapeWorld W32 = new ShapeWorld(32);

    @Test
    void sameSeedSamePixelsOtherSeedOtherImages() {
        List<Scene> a = W16.sample(7, 40);
        List<Scene> b = W16.sample(7, 40);
        assertEquals(a, b);
        assertEquals(a.subList(0, 10), W16.sample(7, 10), "items do not depend on how many are drawn");
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Pixels.rgb(W16.render(a.get(i))), Pixels.rgb(W16.render(b.get(i))));
        }
        List<Scene> c = W16.sample(8, 40);
        int differentImages = 0;
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(Pixels.rgb(W16.render(a.get(i))), Pixels.rgb(W16.render(c.get(i))))) differentImages++;
        }
        assertTrue(differentImages >= 39, "seed 8 should give other images than seed 7, differ: " + differentImages);
        assertNotEquals(W16.scene(7, 0), W16.scene(7, 1));
    }

    @Test
    void attributesCoverTheWorldAndStylesFollowTheRules() {
        for (ShapeWorld w : List.of(W16, W32)) {
            Set<ShapeKind> shapes = EnumSet.noneOf(ShapeKind.class);
            Set<Colour> colours = EnumSet.noneOf(Colour.class);
            Set<Style> styles = EnumSet.noneOf(Style.class);
            Set<Background> backgrounds = EnumSet.noneOf(Background.class);
            for (Scene s : w.sample(3, 2000)) {
                shapes.add(s.shape());
                colours.add(s.colour());
                styles.add(s.style());
                backgrounds.add(s.background());
                assertTrue(s.style().allowed(s.shape(), w.size()), s.toString());
                assertTrue(s.radius() >= 0.22 && s.radius() <= 0.42, s.toString());
                double margin = s.radius() + 1.0 / w.size();
                assertTrue(s.centreX() >= margin && s.centreX() <= 1 - margin && s.centreY() >= margin
                        && s.centreY() <= 1 - margin, s.toString());
            }
            assertEquals(EnumSet.allOf(ShapeKind.class), shapes);
            assertEquals(EnumSet.allOf(Colour.class), colours);
            assertEquals(EnumSet.allOf(Background.class), backgrounds);
            assertEquals(Set.copyOf(w.styles()), styles, "at " + w.size() + " px");
        }
        assertEquals(List.of(Style.SOLID, Style.OUTLINED), W16.styles());
        assertEquals(List.of(Style.values()), W32.styles());
        for (int size : new int[] {16, 32}) {
            assertEquals(List.of(Style.SOLID), Style.allowedFor(ShapeKind.RING, size), "ring is always solid");
            assertFalse(Style.OUTLINED.allowed(ShapeKind.CIRCLE, size), "an outlined circle is a ring");
        }
        assertEquals(List.of(Style.SOLID), Style.allowedFor(ShapeKind.HEART, 16));
        assertEquals(List.of(Style.SOLID, Style.STRIPED, Style.DOTTED), Style.allowedFor(ShapeKind.CIRCLE, 32));
    }

    @Test
    void borderIsExactlyTheBackground() {
        for (ShapeWorld w : List.of(W16, W32)) {
            for (Scene s : w.sample(11, 300)) {
                BufferedImage img = w.render(s);
                int n = w.size();
                for (int k = 0; k < n; k++) {
                    for (int[] xy : new int[][] {{k, 0}, {k, n - 1}, {0, k}, {n - 1, k}}) {
                        assertEquals(s.background().rgb(), img.getRGB(xy[0], xy[1]) & 0xFFFFFF, s + " at " + xy[0] + "," + xy[1]);
                    }
                }
            }
        }
    }

    @Test
    void solidShapeCentreHasItsColourAndRingCentreIsAHole() {
        for (ShapeWorld w : List.of(W16, W32)) {
            for (Scene s : w.sample(5, 400)) {
                Scene solid = s.withStyle(Style.SOLID);
                BufferedImage img = w.render(solid);
                int centre = Pixels.at(img, s.centreX(), s.centreY());
                if (s.shape() == ShapeKind.RING) {
                    assertEquals(s.background().rgb(), centre, "the ring's hole shows the background: " + s);
                    assertTrue(countNearest(img, s.colour()) > 0, "the ring is drawn: " + s);
                } else {
                    assertEquals(s.colour(), Pixels.nearest(centre), "centre of " + solid);
                }
            }
        }
    }

    @Test
    void everyShapeIsDrawnDifferentlyAndSquareIsNotDiamond() {
        Scene base = new Scene(ShapeKind.SQUARE, Colour.BLUE, Style.SOLID, Background.LIGHT, 0.4, 0.5, 0.5);
        ShapeKind[] kinds = ShapeKind.values();
        for (int i = 0; i < kinds.length; i++) {
            for (int j = i + 1; j < kinds.length; j++) {
                int[] a = Pixels.rgb(W32.render(base.withShape(kinds[i])));
                int[] b = Pixels.rgb(W32.render(base.withShape(kinds[j])));
                int differ = 0;
                for (int k = 0; k < a.length; k++) {
                    if (Pixels.nearest(a[k]) != Pixels.nearest(b[k])) differ++;
                }
                assertTrue(differ >= 20, kinds[i] + " vs " + kinds[j] + " differ in only " + differ + " pixels");
            }
        }
        // (0.65, 0.65) of the radius: inside the square (half side 0.8), outside the diamond (|u|+|v| = 1.3).
        double f = 0.5 + 0.65 * 0.4;
        assertEquals(Colour.BLUE, Pixels.nearest(Pixels.at(W32.render(base), f, f)));
        assertEquals(Background.LIGHT, Pixels.nearest(Pixels.at(W32.render(base.withShape(ShapeKind.DIAMOND)), f, f)));
        // On the axis at 0.9 of the radius: the diamond's and circle's tip/edge, beyond the square's side.
        assertEquals(Background.LIGHT, Pixels.nearest(Pixels.at(W32.render(base), 0.5 + 0.9 * 0.4, 0.5)));
        assertEquals(Colour.BLUE, Pixels.nearest(Pixels.at(W32.render(base.withShape(ShapeKind.CIRCLE)), 0.5 + 0.9 * 0.4, 0.5)));
    }

    @Test
    void inkStaysInsideTheShapesBox() {
        for (ShapeWorld w : List.of(W16, W32)) {
            for (Scene s : w.sample(13, 300)) {
                BufferedImage img = w.render(s);
                int n = w.size();
                double lo = Math.floor((s.centreX() - s.radius()) * n), hi = Math.ceil((s.centreX() + s.radius()) * n);
                double top = Math.floor((s.centreY() - s.radius()) * n), bottom = Math.ceil((s.centreY() + s.radius()) * n);
                int inked = 0;
                for (int y = 0; y < n; y++) {
                    for (int x = 0; x < n; x++) {
                        if ((img.getRGB(x, y) & 0xFFFFFF) == s.background().rgb()) continue;
                        inked++;
                        assertTrue(x >= lo && x < hi && y >= top && y < bottom, s + " inks pixel " + x + "," + y);
                    }
                }
                assertTrue(inked > 0, "nothing drawn for " + s);
            }
        }
    }

    @Test
    void outlinedShapesAreHollowAndPatternsMixColourWithBackground() {
        for (ShapeKind k : ShapeKind.values()) {
            Scene solid = new Scene(k, Colour.RED, Style.SOLID, Background.DARK, 0.42, 0.5, 0.5);
            int[] solidPixels = Pixels.rgb(W32.render(solid));
            for (Style style : Style.allowedFor(k, 32)) {
                if (style == Style.SOLID) continue;
                BufferedImage img = W32.render(solid.withStyle(style));
                // Outlines of thin shapes (star, cross) cover most of the shape; patterns about half.
                double share = style == Style.OUTLINED ? 0.95 : 0.8;
                assertTrue(countNearest(img, Colour.RED) < countNearest(W32.render(solid), Colour.RED) * share,
                        style + " " + k + " paints clearly less than solid");
                assertTrue(countNearest(img, Colour.RED) > 10, style + " " + k + " is visible");
                if (style == Style.OUTLINED) {
                    assertEquals(Background.DARK, Pixels.nearest(Pixels.at(img, 0.5, 0.5)), "outlined " + k + " is hollow");
                }
                assertFalse(Arrays.equals(solidPixels, Pixels.rgb(img)));
            }
        }
        Scene square = new Scene(ShapeKind.SQUARE, Colour.GREEN, Style.STRIPED, Background.LIGHT, 0.42, 0.5, 0.5);
        assertFalse(Arrays.equals(Pixels.rgb(W32.render(square)), Pixels.rgb(W32.render(square.withStyle(Style.DOTTED)))));
    }

    @Test
    void badArgumentsAreRejectedWithTheirName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShapeWorld(4)).getMessage().contains("size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShapeWorld(16, 0.2, 0.47)).getMessage().contains("maxRadius"));
        assertThrows(IllegalArgumentException.class, () -> new Scene(ShapeKind.STAR, Colour.RED, Style.SOLID, Background.DARK, 0.3, 0.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> W16.scene(1, -1));
    }

    @Test
    void vocabularyListsTheConceptsOfTheWorld() {
        assertEquals(8 + 6 + 2 + 2, W16.vocabulary().size());
        assertEquals(8 + 6 + 4 + 2, W32.vocabulary().size());
        assertEquals(new Concept(Concept.Attribute.SHAPE, "circle"), W16.vocabulary().get(0));
        for (Concept c : W32.vocabulary()) {
            Mentions m = CaptionGrammar.parse(c.prompt());
            int named = (m.shape() != null ? 1 : 0) + (m.colour() != null ? 1 : 0) + (m.style() != null ? 1 : 0)
                    + (m.background() != null ? 1 : 0);
            assertEquals(1, named, c.prompt() + " names exactly its concept");
        }
        assertEquals("something striped", new Concept(Concept.Attribute.STYLE, "striped").prompt());
        assertEquals("an orange", CaptionGrammar.article("orange") + " orange");
    }

    private static int countNearest(BufferedImage img, Colour c) {
        int n = 0;
        for (int rgb : Pixels.rgb(img)) {
            if (Pixels.nearest(rgb & 0xFFFFFF) == c) n++;
        }
        return n;
    }
}
