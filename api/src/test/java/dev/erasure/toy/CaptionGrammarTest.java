package dev.erasure.toy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caption grammar: every caption parses back to a subset of its scene; drop rates match the grammar. */
class CaptionGrammarTest {
    private static final int N = 2000;
    /** Binomial tolerance: a rate may miss its probability by 4.5 standard deviations (false alarm ~1e-5). */
    private static final double SIGMAS = 4.5;

    private record Captioned(Scene scene, String caption) {
    }

    private static List<Captioned> captions(ShapeWorld world, CaptionGrammar grammar, long seed, int n) {
        List<Captioned> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SplittableRandom[] streams = ShapeWorld.streams(seed, i);
            Scene scene = world.draw(streams[0]);
            out.add(new Captioned(scene, grammar.caption(scene, streams[1])));
        }
        return out;
    }

    @Test
    void phrasesAreExactlyTheLanguageTheGrammarSpeaks() {
        List<String> phrases = CaptionGrammar.phrases();
        java.util.Set<String> distinct = new java.util.HashSet<>(phrases);
        assertEquals(phrases.size(), distinct.size(), "no phrase twice");
        int colours = Colour.values().length + 1, styles = Style.values().length + 1, nouns = ShapeKind.values().length + 1;
        assertEquals((colours * styles * nouns + colours * styles - 1) * (Background.values().length + 1), phrases.size());
        for (String p : phrases) CaptionGrammar.parse(p);
        for (ShapeWorld world : List.of(ShapeWorld.standard(), new ShapeWorld(32))) {
            for (Captioned c : captions(world, CaptionGrammar.standard(), 5, N)) {
                if (!c.caption().isEmpty()) assertTrue(distinct.contains(c.caption()), c.caption());
            }
        }
    }

    @Test
    void everyCaptionParsesToASubsetOfItsScene() {
        for (ShapeWorld world : List.of(ShapeWorld.standard(), new ShapeWorld(32))) {
            for (Captioned c : captions(world, CaptionGrammar.standard(), 21, N)) {
                assertTrue(CaptionGrammar.parse(c.caption()).isSubsetOf(c.scene()), c.caption() + " vs " + c.scene());
            }
        }
    }

    @Test
    void dropRatesAreWithinBinomialTolerance() {
        CaptionGrammar g = CaptionGrammar.standard();
        List<Captioned> all = captions(new ShapeWorld(32), g, 22, N);
        List<Mentions> nonEmpty = new ArrayList<>();
        int somethingEligible = 0, something = 0;
        for (Captioned c : all) {
            if (c.caption().isEmpty()) continue;
            Mentions m = CaptionGrammar.parse(c.caption());
            nonEmpty.add(m);
            if (m.shape() == null && (m.colour() != null || m.style() != null)) {
                somethingEligible++;
                if (c.caption().startsWith("something")) something++;
            }
        }
        assertRate("empty", g.empty(), all.size() - nonEmpty.size(), all.size());
        int n = nonEmpty.size();
        assertRate("colour", g.colour(), (int) nonEmpty.stream().filter(m -> m.colour() != null).count(), n);
        assertRate("style", g.style(), (int) nonEmpty.stream().filter(m -> m.style() != null).count(), n);
        assertRate("shape", g.shape(), (int) nonEmpty.stream().filter(m -> m.shape() != null).count(), n);
        assertRate("background", g.background(), (int) nonEmpty.stream().filter(m -> m.background() != null).count(), n);
        assertRate("something", g.something(), something, somethingEligible);
    }

    private static void assertRate(String name, double p, int hits, int n) {
        double sigma = Math.sqrt(p * (1 - p) / n);
        double rate = hits / (double) n;
        assertTrue(Math.abs(rate - p) <= SIGMAS * sigma + 1e-12, String.format(
                "%s rate %.4f over %d, expected %.2f ± %.4f (%.1f sigma)", name, rate, n, p, SIGMAS * sigma, SIGMAS));
    }

    @Test
    void fullGrammarNamesEverythingAndNeverDropsTheCaption() {
        Scene s = new Scene(ShapeKind.STAR, Colour.RED, Style.STRIPED, Background.DARK, 0.3, 0.5, 0.5);
        assertEquals("a red striped star on a dark background", CaptionGrammar.full().caption(s, new SplittableRandom(1)));
        Scene o = new Scene(ShapeKind.SQUARE, Colour.ORANGE, Style.OUTLINED, Background.LIGHT, 0.3, 0.5, 0.5);
        assertEquals("an orange outlined square on a light background", CaptionGrammar.full().caption(o, new SplittableRandom(1)));
        Mentions m = CaptionGrammar.parse("an orange outlined square on a light background");
        assertEquals(new Mentions(ShapeKind.SQUARE, Colour.ORANGE, Style.OUTLINED, Background.LIGHT), m);
        for (Captioned c : captions(ShapeWorld.standard(), CaptionGrammar.full(), 3, 200)) {
            Mentions all = CaptionGrammar.parse(c.caption());
            assertEquals(new Mentions(c.scene().shape(), c.scene().colour(), c.scene().style(), c.scene().background()), all);
        }
    }

    @Test
    void sameGeneratorStateSameCaptionOtherSeedsOtherCaptions() {
        CaptionGrammar g = CaptionGrammar.standard();
        List<Captioned> a = captions(ShapeWorld.standard(), g, 5, 200);
        assertEquals(a, captions(ShapeWorld.standard(), g, 5, 200));
        assertNotEquals(a, captions(ShapeWorld.standard(), g, 6, 200));
        // The scene does not depend on the grammar: its stream is separate from the caption's.
        List<Captioned> full = captions(ShapeWorld.standard(), CaptionGrammar.full(), 5, 200);
        for (int i = 0; i < a.size(); i++) assertEquals(a.get(i).scene(), full.get(i).scene());
    }

    @Test
    void somethingAndShapeFormsParse() {
        assertEquals(new Mentions(null, null, Style.STRIPED, null), CaptionGrammar.parse("something striped"));
        assertEquals(new Mentions(null, Colour.RED, Style.DOTTED, Background.DARK),
                CaptionGrammar.parse("something red and dotted on a dark background"));
        assertEquals(new Mentions(ShapeKind.STAR, null, null, null), CaptionGrammar.parse("a star"));
        Mentions none = CaptionGrammar.parse("a shape");
        assertTrue(none.isEmpty());
        assertNull(CaptionGrammar.parse("").shape());
        for (String bad : List.of("a star star", "an red star", "a orange star", "something", "a red", "star",
                "a star on a grey background", "something striped and red")) {
            assertThrows(IllegalArgumentException.class, () -> CaptionGrammar.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new CaptionGrammar(0.1, 1.5, 0.5, 0.85, 0.3, 0.5));
    }
}
