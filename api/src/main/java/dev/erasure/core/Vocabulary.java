package dev.erasure.core;

import dev.erasure.sd.ClipTokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The word list EAP searches for adversarial concepts (methods.md §2.1 step 1). The default,
 * {@link #english3000()}, is the official "EN3K" list; {@link #named} resolves the official
 * {@code --vocab} names and rejects unknown ones.
 */
public final class Vocabulary {
    private static final String EN3K_RESOURCE = "/dev/erasure/data/eap/english_3000.csv";

    private final String name;
    private final List<String> words;

    private Vocabulary(String name, List<String> words) {
        if (words.isEmpty()) throw new IllegalArgumentException("vocabulary '" + name + "' is empty");
        this.name = name;
        this.words = Collections.unmodifiableList(new ArrayList<>(words));
    }

    /**
     * EAP's EN3K: the {@code word} column of the bundled english_3000.csv (3000 entries), parsed once
     * per JVM (a vocabulary is immutable; the ESD family asks for it at every checkpoint it writes).
     */
    public static Vocabulary english3000() {
        return En3k.VOCABULARY;
    }

    /** Lazy holder: the file is read on first use, by the class loader's lock. */
    private static final class En3k {
        static final Vocabulary VOCABULARY = readEnglish3000();
    }

    private static Vocabulary readEnglish3000() {
        InputStream in = Vocabulary.class.getResourceAsStream(EN3K_RESOURCE);
        if (in == null) throw new IllegalStateException("bundled vocabulary " + EN3K_RESOURCE + " is missing from the class path");
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return new Vocabulary("EN3K", readColumn(r, "word", EN3K_RESOURCE));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + EN3K_RESOURCE, e);
        }
    }

    /**
     * EAP's {@code CLIP} vocabulary: every tokenizer entry by id, as raw token strings (with
     * their {@code </w>} suffix, which is why the EAP filter admits '&lt;', '/', '&gt;').
     */
    public static Vocabulary clip(ClipTokenizer tokenizer) {
        return new Vocabulary("CLIP", tokenizer.vocabulary());
    }

    public static Vocabulary of(List<String> words) {
        return new Vocabulary("custom", words);
    }

    /** A vocabulary by its official {@code --vocab} name: "EN3K" (alias "english3000"). */
    public static Vocabulary named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("en3k") || n.equals("english3000") || n.equals("english_3000")) return english3000();
        throw new IllegalArgumentException("unknown word list '" + name + "'; known: EN3K (english3000);"
                + " CLIP needs the tokenizer: Vocabulary.clip(tokenizer vocabulary); or Vocabulary.of(words) / fromCsv(path, column)");
    }

    /** The given column of a CSV file with a header row (simple CSV: quotes around a cell allowed). */
    public static Vocabulary fromCsv(Path csv, String column) {
        if (!Files.isRegularFile(csv)) throw new IllegalArgumentException("word list " + csv + " does not exist");
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            return new Vocabulary(csv.getFileName().toString(), readColumn(r, column, csv.toString()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read word list " + csv + ": " + e.getMessage(), e);
        }
    }

    private static List<String> readColumn(Reader reader, String column, String source) throws IOException {
        BufferedReader br = new BufferedReader(reader);
        String header = br.readLine();
        if (header == null) throw new IllegalArgumentException(source + " is empty");
        List<String> cols = splitCsv(header);
        int idx = cols.indexOf(column);
        if (idx < 0) throw new IllegalArgumentException(source + " has no column '" + column + "'; columns: " + cols);
        List<String> out = new ArrayList<>();
        for (String line; (line = br.readLine()) != null; ) {
            if (line.isEmpty()) continue;
            List<String> cells = splitCsv(line);
            if (idx < cells.size()) out.add(cells.get(idx));
        }
        return out;
    }

    private static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /**
     * EAP's {@code detect_special_tokens} filter: false when the lower-cased word has a character
     * outside a–z, '&lt;', '/', '&gt;' and space.
     */
    public static boolean isPlainWord(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (!((c >= 'a' && c <= 'z') || c == '<' || c == '/' || c == '>' || c == ' ')) return false;
        }
        return true;
    }

    /** How many words pass {@link #isPlainWord} (the pool EAP can choose from). */
    public int plainWordCount() {
        return (int) words.stream().filter(Vocabulary::isPlainWord).count();
    }

    public List<String> words() {
        return words;
    }

    public int size() {
        return words.size();
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Vocabulary " + name + " (" + words.size() + " words)";
    }
}
