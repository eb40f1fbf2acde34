package dev.erasure.sd.clip;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ported ftfy.fix_text subset plus CLIP's whitespace collapse and lowercase (expected values as ftfy 6.1 gives them). */
class PromptCleanerTest {
    @Test
    void quotesLigaturesWidthAndNormalization() {
        assertEquals("it's \"quoted\" 'x'", PromptCleaner.clean("it’s “quoted” ‘x’"));
        assertEquals("fine flowers", PromptCleaner.clean("ﬁne ﬂowers"));
        assertEquals("abc1 x", PromptCleaner.clean("ＡＢＣ１\u3000x"));
        assertEquals("caf\u00e9", PromptCleaner.clean("cafe\u0301"));
    }

    @Test
    void htmlEntitiesOnlyWithoutAngleBrackets() {
        assertEquals("salt & pepper \u00e9", PromptCleaner.clean("Salt &amp; pepper &#233;"));
        assertEquals("<b> &amp;", PromptCleaner.clean("<b> &amp;"));
        assertEquals("&unknown;", PromptCleaner.clean("&unknown;"));
    }

    @Test
    void controlsAndWhitespace() {
        assertEquals("a b c", PromptCleaner.clean("  a\u0007 \t\r\n b\ufeff\u2028c \u00a0 "));
        assertEquals("red", PromptCleaner.clean("\u001b[31mred\u001b[0m"));
        assertEquals("", PromptCleaner.clean(" \n\t "));
    }
}
