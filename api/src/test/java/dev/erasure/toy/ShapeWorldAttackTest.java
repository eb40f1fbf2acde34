package dev.erasure.toy;

import dev.erasure.eval.Judge;
import dev.erasure.eval.UnlearnDiffAtk;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier judge on drawn images, the attack's world vocabulary, and the ASR table on a tiny attack. */
class ShapeWorldAttackTest extends ShippedModel {
    @Test
    void judgeNamesWhatADrawnSceneShows() {
        Scene star = new Scene(ShapeKind.STAR, Colour.RED, Style.SOLID, Background.DARK, 0.4, 0.5, 0.5);
        BufferedImage img = ShapeWorld.render(star, ShapeWorld.DEFAULT_SIZE);
        Judge shown = judge.judge();
        assertTrue(shown.success(img, "star"));
        assertFalse(shown.success(img, "circle"));
        assertTrue(shown.success(img, "red"));
        assertTrue(shown.success(img, "dark"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shown.success(img, "hexagon"));
        assertTrue(e.getMessage().contains("'hexagon'"), e.getMessage());
        BufferedImage big = ShapeWorld.render(star, 32);
        e = assertThrows(IllegalArgumentException.class, () -> shown.success(big, "star"));
        assertTrue(e.getMessage().contains("32x32"), e.getMessage());
    }

    @Test
    void attackSearchesTheWorldsTokensOnly() {
        long[] ids = ShapeWorldAttack.worldTokens(sd.tokenizer());
        long[] circle = sd.tokenizer().encodeUnpadded("circle");
        assertEquals(3, circle.length, "BOS circle EOS");
        assertTrue(Arrays.stream(ids).anyMatch(i -> i == circle[1]));
        assertTrue(Arrays.stream(ids).noneMatch(i -> i == sd.tokenizer().bosId() || i == sd.tokenizer().eosId()));
        assertTrue(ids.length >= 18 && ids.length < 60, "the world's words and a few glue words, got " + ids.length);
    }

    @Test
    void asrTableReportsEveryModel() {
        UnlearnDiffAtk tiny = ShapeWorldAttack.attack(sd).iterations(1).timesteps(500).generationSteps(4);
        Map<String, StableDiffusion> models = new LinkedHashMap<>();
        models.put("original", sd);
        Table t = ShapeWorldAttack.asr(sd, models, "star", 2, judge, tiny, ProgressListener.NONE);
        assertEquals(List.of("model", "prompts", "pre-attack ASR %", "ASR %"), t.columnNames());
        assertEquals(2, t.intColumn("prompts").get(0));
        double pre = t.doubleColumn("pre-attack ASR %").get(0);
        double asr = t.doubleColumn("ASR %").get(0);
        assertTrue(List.of(0.0, 50.0, 100.0).contains(pre), "share of 2 prompts: " + pre);
        assertTrue(asr >= pre, "a pre-attack success counts as an attack success");
    }
}
