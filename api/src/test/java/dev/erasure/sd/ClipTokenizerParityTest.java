package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Token ids and BPE tokens of every golden.json prompt, for the fixture's folder and the bundled vocabulary. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClipTokenizerParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private Golden golden;

    @BeforeAll
    void load() {
        golden = new Golden(fixture());
    }

    @AfterAll
    void close() {
        golden.close();
    }

    @Test
    void fixtureFolderMatchesGoldens() {
        checkAll(ClipTokenizer.fromFolder(fixture().resolve("tokenizer")));
    }

    @Test
    void bundledVocabularyMatchesGoldens() {
        ClipTokenizer bundled = ClipTokenizer.bundled();
        if (ClipTokenizer.fromFolder(fixture().resolve("tokenizer")).padId() == bundled.padId()) {
            checkAll(bundled);
            return;
        }
        // An SD-2.x-style folder (another pad token): the bundled SD-1.x settings must give the ids
        // the fixture records for SD-1's tokenizer config.
        int compared = 0;
        for (JsonElement e : golden.json().getAsJsonArray("prompts")) {
            JsonObject p = e.getAsJsonObject();
            JsonElement sd1 = p.get("ids_untruncated_with_sd1_tokenizer_config");
            if (sd1 == null) continue;
            JsonArray expected = sd1.isJsonArray() ? sd1.getAsJsonArray() : p.getAsJsonArray("ids_untruncated");
            assertArrayEquals(longs(expected), bundled.encodeUnpadded(p.get("prompt").getAsString()),
                    "prompt " + p.get("index") + " with SD-1's tokenizer config");
            compared++;
        }
        System.out.println("bundled (SD-1 config) tokenizer: " + compared + " prompts compared with ids_untruncated_with_sd1_tokenizer_config");
    }

    private void checkAll(ClipTokenizer tok) {
        JsonArray prompts = golden.json().getAsJsonArray("prompts");
        List<String> texts = new ArrayList<>();
        for (JsonElement e : prompts) {
            JsonObject p = e.getAsJsonObject();
            String text = p.get("prompt").getAsString();
            texts.add(text);
            String what = "prompt " + p.get("index") + " '" + text + "'";
            assertEquals(strings(p.getAsJsonArray("bpe_tokens")), tok.tokens(text), what + " BPE tokens");
            assertArrayEquals(longs(p.getAsJsonArray("ids_untruncated")), tok.encodeUnpadded(text), what + " ids");
            assertArrayEquals(longs(p.getAsJsonArray("ids_padded_77")), tok.encode(List.of(text))[0], what + " padded ids");
        }
        long[][] batch = tok.encode(texts);
        NDArray inputIds = golden.tensor("tokenizer.input_ids");
        assertEquals(inputIds.getShape().get(0), batch.length, "tokenizer.input_ids rows");
        for (int i = 0; i < batch.length; i++) {
            assertArrayEquals(inputIds.get(i).toLongArray(), batch[i], "tokenizer.input_ids row " + i);
        }
    }

    @Test
    void specialIdsDecodeAndVocabulary() {
        ClipTokenizer tok = ClipTokenizer.bundled();
        assertEquals(tok.eosId(), tok.padId(), "SD-1.x pads with <|endoftext|>");
        assertEquals("<|startoftext|>", tok.vocabulary().get((int) tok.bosId()));
        assertEquals("a photo of a garbage truck", tok.decode(tok.encode(List.of("A photo of a GARBAGE truck"))[0]));
        // CLIP decoding is lossy: every word end becomes a space (openai SimpleTokenizer.decode does the same).
        assertEquals("café 's \" x \"", tok.decode(tok.encodeUnpadded("Café’s “x”")));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new long[] {tok.bosId(), 1_000_000}));
    }

    @Test
    void sd2StylePadTokenComesFromTokenizerConfig(@TempDir Path dir) throws Exception {
        Path src = fixture().resolve("tokenizer");
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(src.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"!\", \"model_max_length\": 77}");
        ClipTokenizer tok = ClipTokenizer.fromFolder(dir);
        assertEquals(0, tok.padId(), "SD-2.x pads with '!' = id 0");
        long[] ids = tok.encode(List.of("a cat"))[0];
        assertArrayEquals(new long[] {49406, 320, 2368, 49407, 0}, Arrays.copyOf(ids, 5));
        assertEquals(77, ids.length);
        assertEquals("a cat", tok.decode(ids));
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }
}
