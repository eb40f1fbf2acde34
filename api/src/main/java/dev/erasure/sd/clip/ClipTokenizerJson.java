package dev.erasure.sd.clip;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;

/**
 * Builds the HuggingFace {@code tokenizer.json} that transformers' CLIPConverter
 * ({@code convert_slow_tokenizer.py}, CLIPTokenizerFast) derives from a slow CLIP tokenizer folder
 * (vocab.json + merges.txt), so the Rust tokenizers library can run CLIP's BPE:
 * normalizer NFC → whitespace runs to ' ' → lowercase; pre-tokenizer CLIP's split regex (kept
 * pieces, whitespace dropped) → ByteLevel byte→unicode mapping (no GPT-2 regex, no prefix space);
 * BPE with end-of-word suffix {@code </w>}; RobertaProcessing adds BOS/EOS. The two special tokens
 * are "normalized" added tokens, so literal {@code <|startoftext|>} in a prompt maps to its id.
 * The pad token is one too: transformers' slow CLIPTokenizer registers it as a special token, so
 * with SD-2.x's {@code pad_token "!"} every "!" of a prompt is split off before BPE and becomes id 0
 * on its own (diffusers issue #4153; the reference behaviour the goldens record).
 */
public final class ClipTokenizerJson {
    private ClipTokenizerJson() {
    }

    /** CLIP's split regex (openai/CLIP simple_tokenizer.py), in Oniguruma syntax. */
    static final String SPLIT_REGEX =
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    public static JsonObject build(Map<String, Integer> vocab, List<String> merges,
                                   String bos, String eos, String unk, String pad) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (String special : new LinkedHashSet<>(List.of(bos, eos, unk, pad))) {
            added.add(addedToken(vocab, special));
        }
        root.add("added_tokens", added);
        root.add("normalizer", normalizer());
        root.add("pre_tokenizer", preTokenizer());
        root.add("model", model(vocab, merges, unk));
        JsonObject post = new JsonObject();
        post.addProperty("type", "RobertaProcessing");
        post.add("sep", pair(eos, id(vocab, eos)));
        post.add("cls", pair(bos, id(vocab, bos)));
        post.addProperty("trim_offsets", false);
        post.addProperty("add_prefix_space", false);
        root.add("post_processor", post);
        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "ByteLevel");
        decoder.addProperty("add_prefix_space", false);
        decoder.addProperty("trim_offsets", false);
        decoder.addProperty("use_regex", false);
        root.add("decoder", decoder);
        return root;
    }

    private static JsonObject normalizer() {
        JsonArray steps = new JsonArray();
        steps.add(typed("NFC"));
        JsonObject replace = typed("Replace");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", "\\s+");
        replace.add("pattern", pattern);
        replace.addProperty("content", " ");
        steps.add(replace);
        steps.add(typed("Lowercase"));
        JsonObject seq = typed("Sequence");
        seq.add("normalizers", steps);
        return seq;
    }

    private static JsonObject preTokenizer() {
        JsonObject split = typed("Split");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", SPLIT_REGEX);
        split.add("pattern", pattern);
        split.addProperty("behavior", "Removed");
        split.addProperty("invert", true);
        JsonObject byteLevel = typed("ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        // The split above already produced CLIP's pieces; GPT-2's regex would only re-split them.
        byteLevel.addProperty("use_regex", false);
        JsonArray steps = new JsonArray();
        steps.add(split);
        steps.add(byteLevel);
        JsonObject seq = typed("Sequence");
        seq.add("pretokenizers", steps);
        return seq;
    }

    private static JsonObject model(Map<String, Integer> vocab, List<String> merges, String unk) {
        JsonObject model = typed("BPE");
        model.add("dropout", null);
        model.addProperty("unk_token", unk);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "</w>");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        JsonObject v = new JsonObject();
        vocab.forEach(v::addProperty);
        model.add("vocab", v);
        JsonArray m = new JsonArray();
        merges.forEach(m::add);
        model.add("merges", m);
        return model;
    }

    private static JsonObject addedToken(Map<String, Integer> vocab, String content) {
        JsonObject t = new JsonObject();
        t.addProperty("id", id(vocab, content));
        t.addProperty("content", content);
        t.addProperty("single_word", false);
        t.addProperty("lstrip", false);
        t.addProperty("rstrip", false);
        t.addProperty("normalized", true);
        t.addProperty("special", true);
        return t;
    }

    private static int id(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("special token '" + token + "' is not in vocab.json");
        return id;
    }

    private static JsonArray pair(String token, int id) {
        JsonArray a = new JsonArray();
        a.add(token);
        a.add(id);
        return a;
    }

    private static JsonObject typed(String type) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        return o;
    }
}
