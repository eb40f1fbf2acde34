package dev.erasure.sd.clip;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

/**
 * CLIPTokenizer's text clean-up: {@code ftfy.fix_text} → collapse whitespace runs to one space and
 * strip → lowercase. Only the ftfy 6.1 default fixes that change ordinary prompts are ported, in
 * ftfy's order: HTML entities (only when the text has no '<', ftfy's "auto" mode; numeric entities
 * and a few common named ones), Latin ligatures, full-width characters, curly quotes, line breaks,
 * lone surrogates, terminal escapes, control characters, then NFC; and the common case of mojibake
 * repair ({@code fix_encoding}): UTF-8 read as Windows-1252/Latin-1 ("cafÃ©" → "café"), undone
 * wherever the characters spell a well-formed UTF-8 multi-byte sequence, as ftfy's
 * {@code decode_inconsistent_utf8} does. Not ported: ftfy's other encodings (MacRoman, cp437, ...)
 * and its badness heuristics that leave some such sequences alone.
 */
public final class PromptCleaner {
    private PromptCleaner() {
    }

    /** The text exactly as the BPE stage sees it. */
    public static String clean(String text) {
        String fixed = fixText(text);
        return collapseWhitespace(fixed).toLowerCase(Locale.ROOT);
    }

    /** The ported subset of {@code ftfy.fix_text}; repeated until stable, as ftfy does. */
    public static String fixText(String text) {
        boolean html = text.indexOf('<') < 0;
        for (int round = 0; round < 8; round++) {
            String before = text;
            if (html) text = unescapeHtml(text);
            text = fixUtf8Mojibake(text);
            text = replaceChars(text, LIGATURES);
            text = fixCharacterWidth(text);
            text = SINGLE_QUOTES.matcher(text).replaceAll("'");
            text = DOUBLE_QUOTES.matcher(text).replaceAll("\"");
            text = LINE_BREAKS.matcher(text).replaceAll("\n");
            text = fixSurrogates(text);
            text = TERMINAL_ESCAPES.matcher(text).replaceAll("");
            text = CONTROL_CHARS.matcher(text).replaceAll("");
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(before)) break;
        }
        return text;
    }

    /** Python's {@code re.sub(r"\s+", " ", text).strip()} with str (Unicode) whitespace semantics. */
    static String collapseWhitespace(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip();
    }

    private static final Pattern WHITESPACE = Pattern.compile("[\\s\\x1c-\\x1f]+", Pattern.UNICODE_CHARACTER_CLASS);
    // ftfy: SINGLE_QUOTE_RE = [\u02bc\u2018-\u201b], DOUBLE_QUOTE_RE = [\u201c-\u201f].
    private static final Pattern SINGLE_QUOTES = Pattern.compile("[\u02bc\u2018-\u201b]");
    private static final Pattern DOUBLE_QUOTES = Pattern.compile("[\u201c-\u201f]");
    private static final Pattern LINE_BREAKS = Pattern.compile("\r\n|\r|\u2028|\u2029|\u0085");
    private static final Pattern TERMINAL_ESCAPES = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");
    // ftfy's CONTROL_CHARS: C0 controls except \t \n \f \r, DEL, deprecated format chars, BOM, U+FFF9–FFFC.
    private static final Pattern CONTROL_CHARS =
            Pattern.compile("[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]");
    private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    private static final Map<String, String> LIGATURES = Map.ofEntries(
            Map.entry("\u0132", "IJ"), Map.entry("\u0133", "ij"), Map.entry("\u0149", "\u02bcn"),
            Map.entry("\u01f1", "DZ"), Map.entry("\u01f2", "Dz"), Map.entry("\u01f3", "dz"),
            Map.entry("\u01c4", "D\u017d"), Map.entry("\u01c5", "D\u017e"), Map.entry("\u01c6", "d\u017e"),
            Map.entry("\u01c7", "LJ"), Map.entry("\u01c8", "Lj"), Map.entry("\u01c9", "lj"),
            Map.entry("\u01ca", "NJ"), Map.entry("\u01cb", "Nj"), Map.entry("\u01cc", "nj"),
            Map.entry("\ufb00", "ff"), Map.entry("\ufb01", "fi"), Map.entry("\ufb02", "fl"),
            Map.entry("\ufb03", "ffi"), Map.entry("\ufb04", "ffl"), Map.entry("\ufb05", "\u017ft"),
            Map.entry("\ufb06", "st"));

    // The named entities prompts scraped from the web tend to carry; ftfy knows all of HTML5's.
    private static final Map<String, String> NAMED_ENTITIES = Map.ofEntries(
            Map.entry("&amp;", "&"), Map.entry("&lt;", "<"), Map.entry("&gt;", ">"),
            Map.entry("&quot;", "\""), Map.entry("&apos;", "'"), Map.entry("&nbsp;", "\u00a0"),
            Map.entry("&ndash;", "\u2013"), Map.entry("&mdash;", "\u2014"), Map.entry("&hellip;", "\u2026"),
            Map.entry("&lsquo;", "\u2018"), Map.entry("&rsquo;", "\u2019"),
            Map.entry("&ldquo;", "\u201c"), Map.entry("&rdquo;", "\u201d"),
            Map.entry("&copy;", "\u00a9"), Map.entry("&reg;", "\u00ae"), Map.entry("&trade;", "\u2122"));

    private static String unescapeHtml(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = HTML_ENTITY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(entity(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String entity(String e) {
        String named = NAMED_ENTITIES.get(e);
        if (named == null) named = NAMED_ENTITIES.get(e.toLowerCase(Locale.ROOT)); // ftfy also knows &AMP; etc.
        if (named != null) return named;
        if (!e.startsWith("&#")) return e;
        try {
            boolean hex = e.charAt(2) == 'x' || e.charAt(2) == 'X';
            int cp = Integer.parseInt(e.substring(hex ? 3 : 2, e.length() - 1), hex ? 16 : 10);
            return Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : "\ufffd";
        } catch (NumberFormatException bad) {
            return e;
        }
    }

    /** Windows-1252 byte of a character (its undefined bytes read as the same Latin-1 code point), or -1. */
    private static int sloppyCp1252Byte(char c) {
        if (c < 0x80) return c;
        if (c >= 0xa0 && c <= 0xff) return c;
        return CP1252_HIGH.getOrDefault(c, c >= 0x80 && c <= 0x9f ? (int) c : -1);
    }

    private static final Map<Character, Integer> CP1252_HIGH = cp1252High();

    private static Map<Character, Integer> cp1252High() {
        Map<Character, Integer> m = new HashMap<>();
        Charset cp1252 = Charset.forName("windows-1252");
        for (int b = 0x80; b <= 0x9f; b++) {
            String decoded = new String(new byte[] {(byte) b}, cp1252);
            char c = decoded.charAt(0);
            if (c != '\ufffd') m.put(c, b);
        }
        return m;
    }

    /**
     * Replaces each run of characters whose Windows-1252 bytes form one well-formed UTF-8
     * multi-byte sequence (lead byte C2–F4 plus its continuation bytes 80–BF) by the character
     * that sequence encodes.
     */
    static String fixUtf8Mojibake(String text) {
        StringBuilder out = null;
        int i = 0;
        while (i < text.length()) {
            int lead = sloppyCp1252Byte(text.charAt(i));
            int need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
            String decoded = need == 0 || i + need >= text.length() ? null : decodeUtf8(text, i, lead, need);
            if (decoded != null) {
                if (out == null) out = new StringBuilder(text.substring(0, i));
                out.append(decoded);
                i += need + 1;
            } else {
                if (out != null) out.append(text.charAt(i));
                i++;
            }
        }
        return out == null ? text : out.toString();
    }

    private static String decodeUtf8(String text, int start, int lead, int need) {
        byte[] bytes = new byte[need + 1];
        bytes[0] = (byte) lead;
        for (int k = 1; k <= need; k++) {
            int b = sloppyCp1252Byte(text.charAt(start + k));
            if (b < 0x80 || b > 0xbf) return null;
            bytes[k] = (byte) b;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException notUtf8) { // overlong or surrogate encodings
            return null;
        }
    }

    private static String replaceChars(String text, Map<String, String> table) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            String r = table.get(String.valueOf(text.charAt(i)));
            if (r != null && out == null) out = new StringBuilder(text.substring(0, i));
            if (out != null) out.append(r != null ? r : String.valueOf(text.charAt(i)));
        }
        return out == null ? text : out.toString();
    }

    /** ftfy's fix_character_width: NFKC on the full-width/half-width block, ideographic space → ' '. */
    private static String fixCharacterWidth(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u3000') out.append(' ');
            else if (c >= '\uff01' && c <= '\uffef') out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            else out.append(c);
        }
        return out.toString();
    }

    /** Lone UTF-16 surrogates (possible in Java strings, not in valid UTF-8) become U+FFFD. */
    private static String fixSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\ufffd' : c);
            }
        }
        return out.toString();
    }
}
