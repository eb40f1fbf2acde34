package dev.erasure.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTest {
    @Test
    void english3000IsTheEapListWithSixNonPlainWords() {
        Vocabulary v = Vocabulary.english3000();
        assertEquals(3000, v.size());
        assertEquals("a", v.words().get(0));
        assertEquals(2994, v.plainWordCount(), "the EAP filter drops 6 entries (hyphens, n't)");
        assertTrue(Vocabulary.isPlainWord("AIDS"));
        assertTrue(Vocabulary.isPlainWord("hello</w>"));
        assertFalse(Vocabulary.isPlainWord("mm-hmm"));
        assertEquals(3000, Vocabulary.named("EN3K").size());
    }

    @Test
    void unknownNamesAndColumnsAreRejectedClearly(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.named("EN5K"));
        assertTrue(e.getMessage().contains("unknown word list 'EN5K'"), e.getMessage());
        Path csv = dir.resolve("w.csv");
        Files.writeString(csv, "id,term\n1,\"church, old\"\n2,tree\n");
        assertEquals(List.of("church, old", "tree"), Vocabulary.fromCsv(csv, "term").words());
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromCsv(csv, "word"));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of()));
    }
}
