package dev.erasure.toy;

import ai.djl.ndarray.NDManager;
import dev.erasure.eval.ImageScorer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped classifier as a sensitivity scorer, on drawn (not generated) images. */
class ClassifierScorerTest {
    private static NDManager manager;
    private static ImageScorer scorer;
    private static final Scene RED_STAR = new Scene(ShapeKind.STAR, Colour.RED, Style.SOLID, Background.DARK, 0.4, 0.5, 0.5);

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        scorer = ClassifierScorer.of(ConceptClassifier.load(ConceptClassifierTest.SHIPPED, manager));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static List<BufferedImage> drawn(Scene... scenes) {
        return Arrays.stream(scenes).map(s -> ShapeWorld.render(s, ShapeWorld.DEFAULT_SIZE)).toList();
    }

    @Test
    void aDrawnStarScoresHighForStarAndLowForCircle() {
        List<BufferedImage> star = drawn(RED_STAR, RED_STAR.withShape(ShapeKind.CIRCLE));
        double[] asStar = scorer.score(star, "a star");
        double[] asCircle = scorer.score(star, "a circle");
        assertTrue(asStar[0] > 0.8, "p(star | drawn star) = " + asStar[0]);
        assertTrue(asCircle[0] < 0.1, "p(circle | drawn star) = " + asCircle[0]);
        assertTrue(asCircle[1] > 0.8, "p(circle | drawn circle) = " + asCircle[1]);
        assertTrue(asStar[1] < 0.1, "p(star | drawn circle) = " + asStar[1]);
    }

    @Test
    void colourBackgroundAndCombinedPromptsScoreTheirAttributes() {
        List<BufferedImage> star = drawn(RED_STAR);
        double red = scorer.score(star, "something red")[0];
        double blue = scorer.score(star, "something blue")[0];
        double dark = scorer.score(star, "a shape on a dark background")[0];
        assertTrue(red > 0.8 && blue < 0.1, "red " + red + ", blue " + blue);
        assertTrue(dark > 0.8, "dark background " + dark);
        double both = scorer.score(star, "a red star")[0];
        assertEquals(red * scorer.score(star, "a star")[0], both, 1e-6, "a combined prompt scores the product");
    }

    @Test
    void promptsNamingNoConceptAreRejectedByName() {
        List<BufferedImage> star = drawn(RED_STAR);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> scorer.score(star, "a shape"));
        assertTrue(none.getMessage().contains("'a shape'") && none.getMessage().contains("names no ShapeWorld concept"), none.getMessage());
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> scorer.score(star, "a photo of a church"));
        assertTrue(foreign.getMessage().contains("not a ShapeWorld caption"), foreign.getMessage());
        assertThrows(IllegalArgumentException.class, () -> scorer.score(star, ""));
        List<BufferedImage> big = List.of(ShapeWorld.render(RED_STAR, 32));
        assertThrows(IllegalArgumentException.class, () -> scorer.score(big, "a star"));
    }
}
