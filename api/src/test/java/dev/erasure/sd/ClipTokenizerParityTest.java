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
class ClipTokenizerParityTest {
    private static Golden golden;

    @BeforeAll
    static void load() {
        golden = new Golden(Fixtures.tinySd());
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    @Test
    void fixtureFolderMatchesGoldens() {
        checkAll(ClipTokenizer.fromFolder(Fixtures.tinySd().resolve("tokenizer")));
    }

    @Test
    void bundledVocabularyMatchesGoldens() {
        checkAll(ClipTokenizer.bundled());
    }

    private static void checkAll(ClipTokenizer tok) {
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
        Path src = Fixtures.tinySd().resolve("tokenizer");
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
