package dev.erasure.sd.clip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible byte ↔ unicode table ({@code bytes_to_unicode}) that CLIP's BPE vocabulary is
 * written in: printable Latin-1 bytes stand for themselves, the other 68 bytes map to U+0100+n.
 */
public final class ByteUnicode {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteUnicode() {
    }

    /** The UTF-8 bytes of {@code text}, each written as its table character. */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) out.append(BYTE_TO_CHAR[b & 0xFF]);
        return out.toString();
    }

    /** Inverse of {@link #encode}; characters outside the table are kept as their own UTF-8. */
    public static String decode(String symbols) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < symbols.length(); i++) {
            char c = symbols.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) {
                bytes.write(b);
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8); // malformed → U+FFFD, like errors="replace"
    }
}
