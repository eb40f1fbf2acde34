package dev.erasure.sd;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import com.google.gson.Gson;
import dev.erasure.sd.clip.ByteUnicode;
import dev.erasure.sd.clip.ClipTokenizerJson;
import dev.erasure.sd.clip.PromptCleaner;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * CLIP's BPE tokenizer as StableDiffusionPipeline calls it ({@code padding="max_length",
 * truncation=True}, max length 77). Prompts are cleaned in Java ({@link PromptCleaner}: the ftfy
 * subset, whitespace collapse, lowercase); the BPE itself runs in HuggingFace's Rust tokenizers
 * (through DJL) on a tokenizer.json generated from the slow-tokenizer files, as transformers'
 * CLIPTokenizerFast conversion does. Truncation and padding are done here.
 */
public final class ClipTokenizer {
    private static final String RESOURCE = "/dev/erasure/sd/clip-tokenizer/";
    private static volatile ClipTokenizer bundled;
    private static volatile ClipTokenizer bundledSd2;

    private final HuggingFaceTokenizer hf;
    private final String[] vocabulary;
    private final long bos;
    private final long eos;
    private final long pad;
    private final int maxLength;

    private ClipTokenizer(TokenizerFiles files) {
        Map<String, Integer> vocab = new Gson().fromJson(files.read("vocab.json"),
                new TypeToken<Map<String, Integer>>() { }.getType());
        List<String> merges = new ArrayList<>();
        for (String line : files.read("merges.txt").split("\n")) {
            if (!line.isBlank() && !line.startsWith("#version")) merges.add(line.strip());
        }
        JsonObject config = files.json("tokenizer_config.json");
        JsonObject specials = files.json("special_tokens_map.json");
        String bosToken = special(config, specials, "bos_token", "<|startoftext|>");
        String eosToken = special(config, specials, "eos_token", "<|endoftext|>");
        String unkToken = special(config, specials, "unk_token", eosToken);
        String padToken = special(config, specials, "pad_token", eosToken);
        this.vocabulary = new String[vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        vocab.forEach((token, id) -> vocabulary[id] = token);
        this.bos = idOf(vocab, bosToken, files);
        this.eos = idOf(vocab, eosToken, files);
        this.pad = idOf(vocab, padToken, files);
        // Some configs store "no limit" as 1e30; CLIP's position table is 77 long.
        double max = config.has("model_max_length") ? config.get("model_max_length").getAsDouble() : 77;
        this.maxLength = max > 0 && max < 1e6 ? (int) max : 77;
        String json = ClipTokenizerJson.build(vocab, merges, bosToken, eosToken, unkToken, padToken).toString();
        try (InputStream in = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            this.hf = HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "true",
                    "truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the CLIP tokenizer from " + files.source, e);
        }
    }

    /** A diffusers {@code tokenizer/} folder: vocab.json, merges.txt, tokenizer_config.json / special_tokens_map.json. */
    public static ClipTokenizer fromFolder(Path dir) {
        return new ClipTokenizer(new TokenizerFiles(dir.toString(), name -> {
            Path p = dir.resolve(name);
            return Files.exists(p) ? Files.readString(p) : null;
        }));
    }

    /** The real openai CLIP vocabulary shipped with this library, SD-1.x settings (pad = EOS). */
    public static ClipTokenizer bundled() {
        if (bundled == null) {
            synchronized (ClipTokenizer.class) {
                if (bundled == null) {
                    bundled = new ClipTokenizer(new TokenizerFiles("classpath:" + RESOURCE, name -> {
                        try (InputStream in = ClipTokenizer.class.getResourceAsStream(RESOURCE + name)) {
                            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }));
                }
            }
        }
        return bundled;
    }

    /** The bundled vocabulary with SD-2.x's tokenizer settings: {@code pad_token "!"} (id 0, split off in prompts). */
    public static ClipTokenizer bundledSd2() {
        if (bundledSd2 == null) {
            synchronized (ClipTokenizer.class) {
                if (bundledSd2 == null) {
                    bundledSd2 = new ClipTokenizer(new TokenizerFiles("classpath:" + RESOURCE + " (SD-2 pad '!')", name -> {
                        if (name.equals("tokenizer_config.json")) return "{\"pad_token\": \"!\", \"model_max_length\": 77}";
                        if (name.equals("special_tokens_map.json")) return "{}";
                        try (InputStream in = ClipTokenizer.class.getResourceAsStream(RESOURCE + name)) {
                            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }));
                }
            }
        }
        return bundledSd2;
    }

    /** Ids padded/truncated to {@link #maxLength()}: BOS + at most maxLength−2 tokens + EOS, then pad ids. */
    public long[][] encode(List<String> prompts) {
        return encode(prompts, maxLength);
    }

    /** As {@link #encode(List)} with another length (small text encoders read fewer positions than 77). */
    public long[][] encode(List<String> prompts, int maxLength) {
        if (maxLength < 2) throw new IllegalArgumentException("maxLength must leave room for BOS and EOS (>= 2), got " + maxLength);
        long[][] out = new long[prompts.size()][];
        for (int i = 0; i < out.length; i++) {
            long[] ids = encodeUnpadded(prompts.get(i));
            long[] fixed = new long[maxLength];
            Arrays.fill(fixed, pad);
            int keep = Math.min(ids.length - 2, maxLength - 2);
            fixed[0] = ids[0];
            System.arraycopy(ids, 1, fixed, 1, keep);
            fixed[keep + 1] = eos;
            out[i] = fixed;
        }
        return out;
    }

    /** BOS + all BPE ids + EOS, untruncated. */
    public long[] encodeUnpadded(String prompt) {
        return hfEncode(prompt, true).getIds();
    }

    /** The BPE token strings (byte-level symbols, {@code </w>} on word ends), without BOS/EOS. */
    public List<String> tokens(String prompt) {
        return List.of(hfEncode(prompt, false).getTokens());
    }

    private Encoding hfEncode(String prompt, boolean specials) {
        if (prompt == null) throw new IllegalArgumentException("prompt is null");
        return hf.encode(PromptCleaner.clean(prompt), specials, false);
    }

    /** The text of ids: BOS skipped, stops at the first EOS (so any padding is dropped), words split on {@code </w>}. */
    public String decode(long[] ids) {
        StringBuilder symbols = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == bos && i == 0) continue;
            if (ids[i] == eos) break;
            if (ids[i] < 0 || ids[i] >= vocabulary.length || vocabulary[(int) ids[i]] == null) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is not in the vocabulary");
            }
            symbols.append(vocabulary[(int) ids[i]]);
        }
        return ByteUnicode.decode(symbols.toString()).replace("</w>", " ").strip();
    }

    /** Token strings by id. */
    public List<String> vocabulary() {
        return List.of(vocabulary);
    }

    public long padId() {
        return pad;
    }

    public long bosId() {
        return bos;
    }

    public long eosId() {
        return eos;
    }

    public int maxLength() {
        return maxLength;
    }

    /** bos_token etc. from tokenizer_config.json, else special_tokens_map.json; a string or {content: ...}. */
    private static String special(JsonObject config, JsonObject map, String key, String fallback) {
        for (JsonObject o : List.of(config, map)) {
            JsonElement e = o.get(key);
            if (e == null || e.isJsonNull()) continue;
            return e.isJsonObject() ? e.getAsJsonObject().get("content").getAsString() : e.getAsString();
        }
        return fallback;
    }

    private static long idOf(Map<String, Integer> vocab, String token, TokenizerFiles files) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("special token '" + token + "' is not in " + files.source + "/vocab.json");
        return id;
    }

    /** The four tokenizer files from a folder or the classpath; missing config files read as {}. */
    private static final class TokenizerFiles {
        interface Reader {
            String read(String name) throws IOException;
        }

        final String source;
        private final Reader reader;

        TokenizerFiles(String source, Reader reader) {
            this.source = source;
            this.reader = reader;
        }

        String read(String name) {
            String s = readOrNull(name);
            if (s == null) throw new IllegalArgumentException("tokenizer file " + name + " missing in " + source);
            return s;
        }

        JsonObject json(String name) {
            String s = readOrNull(name);
            try {
                return s == null ? new JsonObject() : JsonParser.parseString(s).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot parse " + source + "/" + name + ": " + e.getMessage(), e);
            }
        }

        private String readOrNull(String name) {
            try {
                return reader.read(name);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + source + "/" + name, e);
            }
        }
    }
}
