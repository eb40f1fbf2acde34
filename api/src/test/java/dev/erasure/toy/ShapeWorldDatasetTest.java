package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.ClipTokenizer;
import dev.erasure.sd.Images;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches: image tensors equal the rendered scenes, token ids decode back to the captions. */
class ShapeWorldDatasetTest {
    private static final ClipTokenizer TOK = ClipTokenizer.bundled();

    @Test
    void batchHoldsTheRenderedScenesAndTheirTokenisedCaptions() {
        ShapeWorldDataset data = ShapeWorldDataset.standard(42);
        try (NDManager m = NDManager.newBaseManager(); ShapeWorldDataset.Batch b = data.batch(m, 10, 6)) {
            assertEquals(new Shape(6, 3, 16, 16), b.images().getShape());
            assertEquals(DataType.FLOAT32, b.images().getDataType());
            assertEquals(new Shape(6, 16), b.ids().getShape());
            assertEquals(DataType.INT64, b.ids().getDataType());
            assertTrue(b.images().min().getFloat() >= -1f && b.images().max().getFloat() <= 1f);
            for (int i = 0; i < 6; i++) {
                ShapeWorldDataset.Example e = b.examples().get(i);
                assertEquals(data.example(10 + i), e);
                try (NDArray expected = Images.fromImage(m, data.world().render(e.scene()))) {
                    assertArrayEquals(expected.toFloatArray(), b.images().get(i).toFloatArray(), "image " + i);
                }
                long[] ids = b.ids().get(i).toLongArray();
                assertEquals(TOK.bosId(), ids[0]);
                assertEquals(e.caption(), TOK.decode(ids), "round trip of item " + (10 + i));
            }
            try (ShapeWorldDataset.Batch again = data.batchNumber(m, 5, 2)) {
                assertEquals(b.examples().subList(0, 2), again.examples());
                assertArrayEquals(b.images().get("0:2").toFloatArray(), again.images().toFloatArray());
                assertArrayEquals(b.ids().get("0:2").toLongArray(), again.ids().toLongArray());
            }
        }
    }

    @Test
    void everyCaptionRoundTripsThroughSixteenTokens() {
        ShapeWorldDataset data = new ShapeWorldDataset(new ShapeWorld(32), CaptionGrammar.standard(), 9, TOK, 16);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 300; i++) captions.add(data.example(i).caption());
        captions.add(CaptionGrammar.full().caption(
                new Scene(ShapeKind.TRIANGLE, Colour.YELLOW, Style.OUTLINED, Background.LIGHT, 0.3, 0.5, 0.5),
                new SplittableRandom(0)));
        long[][] ids = TOK.encode(captions, 16);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(captions.get(i), TOK.decode(ids[i]));
            long[] unpadded = TOK.encodeUnpadded(captions.get(i));
            assertTrue(unpadded.length <= 16, "caption fits 16 tokens without truncation: " + captions.get(i));
            assertEquals(TOK.eosId(), ids[i][unpadded.length - 1], "EOS ends " + captions.get(i));
            for (int k = unpadded.length; k < 16; k++) assertEquals(TOK.padId(), ids[i][k]);
        }
    }

    @Test
    void vocabularyWordsAreOneOrTwoTokensAndCaptionsFitSixteen() {
        // The README relies on this: only the style words below are two BPE tokens, the others one.
        Set<String> twoTokens = new TreeSet<>();
        for (Concept c : new ShapeWorld(32).vocabulary()) {
            int n = TOK.tokens(c.word()).size();
            assertTrue(n <= 2, c.word() + " -> " + TOK.tokens(c.word()));
            if (n == 2) twoTokens.add(c.word());
        }
        assertEquals(Set.of("outlined"), twoTokens);
        int longest = 0;
        for (ShapeKind k : ShapeKind.values()) {
            for (Colour c : Colour.values()) {
                for (Style st : Style.values()) {
                    Scene s = new Scene(k, c, st, Background.LIGHT, 0.3, 0.5, 0.5);
                    longest = Math.max(longest, TOK.encodeUnpadded(
                            CaptionGrammar.full().caption(s, new SplittableRandom(0))).length);
                }
            }
        }
        assertEquals(11, longest, "BOS + 8 words (outlined is 2 tokens) + EOS");
    }

    @Test
    void shortMaxLengthTruncatesButKeepsEos() {
        long[] ids = TOK.encode(List.of("a red striped star"), 4)[0];
        assertEquals(4, ids.length);
        assertEquals(TOK.bosId(), ids[0]);
        assertEquals(TOK.eosId(), ids[3]);
        assertEquals("a red", TOK.decode(ids));
        long[] empty = TOK.encode(List.of(""), 16)[0];
        assertEquals(TOK.bosId(), empty[0]);
        assertEquals(TOK.eosId(), empty[1]);
        assertEquals("", TOK.decode(empty));
        assertArrayEquals(TOK.encode(List.of("a star")), TOK.encode(List.of("a star"), 77));
        assertThrows(IllegalArgumentException.class, () -> TOK.encode(List.of("a star"), 1));
        assertThrows(IllegalArgumentException.class,
                () -> new ShapeWorldDataset(ShapeWorld.standard(), CaptionGrammar.standard(), 1, TOK, 1));
    }
}
