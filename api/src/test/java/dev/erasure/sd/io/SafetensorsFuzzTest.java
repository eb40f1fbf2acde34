package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of a valid file over the families of hostile input (bytes flipped in the length,
 * header or data; truncation; appended bytes; numbers replaced by huge, negative, fractional or
 * wrapping values; keys duplicated; structures nested deep; lengths lied about). Every case either
 * loads, with no more tensor bytes than twice the file (BF16 widens), or fails with a
 * {@link WeightException} whose bounded message names the file. Never another exception or error.
 */
class SafetensorsFuzzTest {
    private static final int CASES = Integer.getInteger("erasure.fuzz.cases", 3000);
    private static final String[] NUMBERS = {"0", "1", "4", "7", "-1", "1.5", "1e3", "9223372036854775807",
        "9223372036854775808", "18446744073709551616", "18446744073709551632", "4611686018427387904", "[]", "null", "\"4\""};

    /** Per-case bound: generous, so that only a hang or a quadratic parser trips it. */
    private static final long CASE_BOUND_NS = 10_000_000_000L;

    @TempDir
    Path tmp;

    static String header() {
        return "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[16,24]},"
                + "\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[24,32]}}";
    }

    static byte[] file(byte[] h, long declared, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(declared).put(h).put(data).array();
    }

    static byte[] mutate(Random r) {
        String h = header();
        byte[] data = new byte[32];
        r.nextBytes(data);
        switch (r.nextInt(8)) {
            case 0 -> { // a number of the header replaced
                int[] digits = IntStream.range(0, h.length()).filter(i -> Character.isDigit(h.charAt(i))).toArray();
                int at = digits[r.nextInt(digits.length)];
                int end = at;
                while (end < h.length() && Character.isDigit(h.charAt(end))) end++;
                String v = NUMBERS[r.nextInt(NUMBERS.length)];
                byte[] hb = (h.substring(0, at) + v + h.substring(end)).getBytes(StandardCharsets.UTF_8);
                return file(hb, hb.length, data);
            }
            case 1 -> { // header bytes flipped
                byte[] hb = h.getBytes(StandardCharsets.UTF_8);
                for (int k = 1 + r.nextInt(4); k > 0; k--) hb[r.nextInt(hb.length)] = (byte) r.nextInt(256);
                return file(hb, hb.length, data);
            }
            case 2 -> { // the length lied about
                byte[] hb = h.getBytes(StandardCharsets.UTF_8);
                long[] lies = {0, 1, hb.length - 1, hb.length + 1, hb.length + 32, -1, 1L << 40, 100L * 1024 * 1024 + 1, r.nextLong()};
                return file(hb, lies[r.nextInt(lies.length)], data);
            }
            case 3 -> { // truncated anywhere
                byte[] f = file(h.getBytes(StandardCharsets.UTF_8), h.length(), data);
                return Arrays.copyOf(f, r.nextInt(f.length));
            }
            case 4 -> { // bytes appended
                byte[] f = file(h.getBytes(StandardCharsets.UTF_8), h.length(), data);
                return Arrays.copyOf(f, f.length + 1 + r.nextInt(64));
            }
            case 5 -> { // an entry duplicated or renamed onto another
                String m = r.nextBoolean() ? h.replace("\"b\":", "\"a\":") : h.replace("}}", "},\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}");
                byte[] hb = m.getBytes(StandardCharsets.UTF_8);
                return file(hb, hb.length, data);
            }
            case 6 -> { // deep nesting in a field
                int depth = 1 + r.nextInt(20_000);
                String nest = "[".repeat(depth) + "]".repeat(depth);
                String m = h.replace("[2,2]", nest);
                byte[] hb = m.getBytes(StandardCharsets.UTF_8);
                return file(hb, hb.length, data);
            }
            default -> { // data bytes flipped and a dtype swapped: must load (layout intact) or fail cleanly
                String[] dtypes = {"F16", "U8", "BOOL", "I32", "F64", "U64", "F8_E4M3", "X"};
                String m = h.replace("\"I64\"", "\"" + dtypes[r.nextInt(dtypes.length)] + "\"");
                byte[] hb = m.getBytes(StandardCharsets.UTF_8);
                return file(hb, hb.length, data);
            }
        }
    }

    @Test
    @Timeout(120) // a hang guard, not a timing test
    void mutatedFilesLoadOrFailCleanly() throws IOException {
        Random r = new Random(14);
        Path f = tmp.resolve("fuzz.safetensors");
        int refused = 0;
        long slowestNs = 0;
        int slowest = -1;
        for (int i = 0; i < CASES; i++) {
            byte[] bytes = mutate(r);
            Files.write(f, bytes);
            long t0 = System.nanoTime();
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> t = Safetensors.load(f, m);
                long total = t.values().stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum();
                assertTrue(total <= 2L * bytes.length, "case " + i + ": " + total + " tensor bytes from a " + bytes.length + "-byte file");
            } catch (WeightException e) {
                refused++;
                assertTrue(e.getMessage().contains(f.toString()), "case " + i + ": message does not name the file: " + e.getMessage());
                assertTrue(e.getMessage().length() < 1000, "case " + i + ": message of " + e.getMessage().length() + " characters");
            } catch (Throwable e) {
                fail("case " + i + " threw " + e + " instead of a WeightException", e);
            }
            long ns = System.nanoTime() - t0;
            if (ns > slowestNs) {
                slowestNs = ns;
                slowest = i;
            }
        }
        // the bound ("no case takes more than a few seconds"): a guard against hangs and
        // super-linear parsing (a case takes milliseconds), set far above any busy machine's noise
        assertTrue(slowestNs < CASE_BOUND_NS, "case " + slowest + " took " + slowestNs / 1_000_000 + " ms");
        assertTrue(refused > CASES / 2, "the mutations must mostly break the file: " + refused + " of " + CASES + " refused");
    }

    /**
     * Issue #14 item 4: a header of 166,666 tiny entries (10 MB) took 26 s to parse when parsing was
     * quadratic. Its header must parse whole within the fuzz cases' per-case bound (it takes well under
     * a second; loading that many tensors is {@code SafetensorsValidityTest.moreTensorsThanTheKernelsMapCountLoad}).
     */
    @Test
    void aHeaderOfManyTinyEntriesParsesWhole() throws IOException {
        int n = 166_666;
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if (i > 0) h.append(',');
            h.append("\"t").append(i).append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[")
                    .append(i).append(',').append(i + 1).append("]}");
        }
        byte[] hb = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("many.safetensors");
        Files.write(f, file(hb, hb.length, new byte[n]));
        long t0 = System.nanoTime();
        Safetensors.Header header = Safetensors.header(f);
        long ns = System.nanoTime() - t0;
        assertTrue(header.entries().size() == n, header.entries().size() + " of " + n + " entries parsed");
        assertTrue(header.entries().get(n - 1).name().equals("t" + (n - 1)) && header.entries().get(n - 1).end() == n,
                "the last entry is parsed with its offsets");
        assertTrue(ns < CASE_BOUND_NS, n + " entries took " + ns / 1_000_000 + " ms to parse");
        System.out.printf("%,d-entry header parsed in %d ms%n", n, ns / 1_000_000);
    }
}
