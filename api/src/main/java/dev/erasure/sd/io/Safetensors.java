package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads and writes the safetensors format (8-byte little-endian header length, JSON header,
 * raw little-endian data). Reading memory-maps each tensor, so on CPU a 3.4 GB UNet "loads"
 * without a second copy in RAM (docs/djl.md §2); such tensors are read-only and must be copied
 * before an in-place update. BF16 is widened to F32 in Java because DJL aborts on BF16.
 * Every malformed input gives a {@link WeightException} naming the file and the key.
 */
public final class Safetensors {
    /** Headers larger than this are refused as corrupt (real SD headers are ~100 kB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private Safetensors() {
    }

    /** One header entry: dtype as written in the file, shape, and [begin, end) in the data section. */
    public record Entry(String name, String dtype, Shape shape, long begin, long end) {
    }

    /** The parsed header of a file: entries in file order and the optional string metadata. */
    public record Header(Path file, long dataStart, List<Entry> entries, Map<String, String> metadata) {
        public Map<String, Entry> byName() {
            Map<String, Entry> m = new LinkedHashMap<>();
            for (Entry e : entries) m.put(e.name(), e);
            return m;
        }
    }

    /** Reads and validates the header (offsets, sizes, dtypes) without touching tensor data. */
    public static Header header(Path file) {
        if (!Files.exists(file)) throw new WeightException("weight file not found: " + file);
        if (Files.isDirectory(file)) throw new WeightException("expected a .safetensors file but got a folder: " + file);
        if (!Files.isRegularFile(file)) { // a FIFO would block forever, a device never end
            throw new WeightException(file + " is not a regular file (a pipe, device or socket); give a .safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new WeightException(file + " is truncated: " + size + " bytes, not even a header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            byte[] magic = lenBuf.array();
            if (magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
                // torch.save has written zip archives since PyTorch 1.6; no safetensors header is that long
                throw new WeightException(file + " is a zip archive, probably a PyTorch pickle checkpoint renamed to "
                        + ".safetensors; convert it to safetensors");
            }
            if (n <= 0 || n > MAX_HEADER_BYTES) {
                // older torch.save wrote a raw pickle: protocol byte 0x80, then the protocol 2..5
                boolean pickle = (magic[0] & 0xFF) == 0x80 && magic[1] >= 2 && magic[1] <= 5;
                throw new WeightException(file + " has an absurd header length " + Long.toUnsignedString(n)
                        + (pickle ? " (it looks like a PyTorch pickle checkpoint; convert it to safetensors)"
                        : " (not a safetensors file, or corrupt)"));
            }
            if (8 + n > size) {
                throw new WeightException(file + " is truncated: header says " + n + " bytes but the file has "
                        + size + " bytes in all");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            return parseHeader(file, json.array(), 8 + n, size - 8 - n);
        } catch (NoSuchFileException e) {
            throw new WeightException("weight file not found: " + file, e);
        } catch (IOException e) {
            throw new WeightException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Longest piece of file content quoted in an error message. */
    static final int MAX_QUOTED = 200;

    /**
     * Parses the header in one streaming pass (linear in its size, no recursion, so no nesting depth
     * can overflow the stack) to the format's own rules, as the reference implementation checks them:
     * a JSON object starting with '{'; each tensor an object with a string dtype, a shape of
     * non-negative integers and exactly two unsigned offsets; {@code __metadata__} a string-to-string
     * map; no duplicate keys; then {@link #checkLayout}.
     */
    private static Header parseHeader(Path file, byte[] bytes, long dataStart, long dataSize) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new WeightException(file + ": header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw new WeightException(file + ": header is not a JSON object (it starts with "
                    + quote(text.substring(0, Math.min(20, text.length()))) + ")");
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        String name = null;
        try (JsonReader r = new JsonReader(new StringReader(text))) {
            r.beginObject();
            while (r.hasNext()) {
                name = r.nextName();
                if (!seen.add(name)) throw new WeightException(file + ": duplicate key " + quote(name) + " in the header");
                if ("__metadata__".equals(name)) {
                    readMetadata(file, r, metadata);
                } else {
                    entries.add(readEntry(file, name, r, dataSize));
                }
                name = null;
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw new WeightException(file + ": header has content after its JSON object");
        } catch (WeightException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            String where = name == null ? "" : " at tensor " + quote(name);
            throw new WeightException(file + ": header is not valid JSON or not a valid safetensors header" + where
                    + " (" + shorten(String.valueOf(e.getMessage())) + ")", e);
        }
        checkLayout(file, entries, dataSize);
        return new Header(file, dataStart, Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path file, JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return;
        }
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new WeightException(file + ": __metadata__ must be an object of strings");
        r.beginObject();
        while (r.hasNext()) {
            String k = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new WeightException(file + ": __metadata__ value of " + quote(k) + " is not a string");
            }
            if (metadata.put(k, r.nextString()) != null) throw new WeightException(file + ": duplicate __metadata__ key " + quote(k));
        }
        r.endObject();
    }

    private static Entry readEntry(Path file, String name, JsonReader r, long dataSize) throws IOException {
        String where = "tensor " + quote(name) + " in " + file;
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new WeightException(where + " has a malformed header entry (not an object)");
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String field = r.nextName();
            switch (field) {
                case "dtype" -> {
                    if (dtype != null || r.peek() != JsonToken.STRING) throw new WeightException(where + " has a malformed dtype");
                    dtype = r.nextString();
                }
                case "shape" -> {
                    if (shape != null) throw new WeightException(where + " has a malformed header entry (two shapes)");
                    shape = readUnsignedArray(r, where, "shape");
                }
                case "data_offsets" -> {
                    if (offsets != null) throw new WeightException(where + " has a malformed header entry (two data_offsets)");
                    offsets = readUnsignedArray(r, where, "data_offsets");
                }
                default -> { // the reference ignores unknown fields, but refuses nesting past 128 levels: we refuse any
                    JsonToken t = r.peek();
                    if (t == JsonToken.BEGIN_OBJECT || t == JsonToken.BEGIN_ARRAY) {
                        throw new WeightException(where + " has a malformed header entry: unknown field " + quote(field)
                                + " holds a structure");
                    }
                    r.skipValue();
                }
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw new WeightException(where + " has a malformed header entry: it needs dtype, shape and data_offsets");
        }
        int width = byteWidth(dtype);
        if (width < 0) throw new WeightException(where + " has unknown dtype " + quote(dtype));
        if (offsets.length != 2) throw new WeightException(where + " has a malformed header entry: data_offsets needs 2 numbers");
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin || end > dataSize) {
            throw new WeightException(where + " has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataSize + " bytes (truncated or corrupt file)");
        }
        long bytes;
        try {
            long count = 1;
            for (long d : shape) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, width);
        } catch (ArithmeticException e) {
            throw new WeightException(where + " has shape " + Arrays.toString(shape) + " whose size overflows 64 bits");
        }
        if (end - begin != bytes) {
            throw new WeightException(where + " has " + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + bytes);
        }
        return new Entry(name, dtype, new Shape(shape), begin, end);
    }

    /** An array of unsigned 64-bit integers; any value over 2^63-1 is beyond every file (no wrap-around). */
    private static long[] readUnsignedArray(JsonReader r, String where, String field) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) throw new WeightException(where + " has a malformed " + field + " (not an array)");
        long[] out = new long[4];
        int n = 0;
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw new WeightException(where + " has a malformed " + field + " (not numbers)");
            String v = r.nextString();
            if (v.startsWith("-")) {
                throw new WeightException(where + " has a negative number " + quote(v) + " in " + field
                        + ("shape".equals(field) ? " (a negative dimension)" : " (outside the data section)"));
            }
            if (v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new WeightException(where + " has a non-integer " + quote(v) + " in " + field);
            }
            if (v.length() > 18 && new BigInteger(v).compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
                throw new WeightException(where + " has " + field + " value " + quote(v) + ", larger than any file");
            }
            if (n == out.length) out = Arrays.copyOf(out, n * 2);
            out[n++] = Long.parseLong(v);
        }
        r.endArray();
        return Arrays.copyOf(out, n);
    }

    /**
     * The tensors must tile the data section exactly, in offset order: no overlap (which would let a
     * small file map the same bytes many times), no gap, no trailing bytes another tool would ignore.
     */
    private static void checkLayout(Path file, List<Entry> entries, long dataSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin() != expected) {
                throw new WeightException("tensor " + quote(e.name()) + " in " + file + " starts at byte " + e.begin()
                        + (e.begin() < expected ? " inside the previous tensor (overlapping data_offsets)"
                        : " leaving a gap after byte " + expected) + "; the data section must be covered exactly");
            }
            expected = e.end();
        }
        if (expected != dataSize) {
            throw new WeightException(file + " has " + (dataSize - expected) + " trailing bytes after the last tensor "
                    + "(corrupt, or not written by a safetensors writer)");
        }
    }

    /** A name or value from the file, quoted and cut to {@link #MAX_QUOTED} characters. */
    static String quote(String s) {
        return "'" + shorten(s) + "'";
    }

    private static String shorten(String s) {
        return s.length() <= MAX_QUOTED ? s : s.substring(0, MAX_QUOTED) + "… (" + s.length() + " characters)";
    }

    /** Bytes per element of every safetensors dtype, or -1 for a name the format does not have. */
    static int byteWidth(String dtype) {
        switch (dtype) {
            case "F64": case "I64": case "U64": return 8;
            case "F32": case "I32": case "U32": return 4;
            case "F16": case "BF16": case "I16": case "U16": return 2;
            case "I8": case "U8": case "BOOL": case "F8_E5M2": case "F8_E4M3": return 1;
            default: return -1;
        }
    }

    private static DataType djlType(String dtype) {
        switch (dtype) {
            case "F64": return DataType.FLOAT64;
            case "F32": case "BF16": return DataType.FLOAT32; // BF16 widened in Java
            case "F16": return DataType.FLOAT16;
            case "I64": return DataType.INT64;
            case "I32": return DataType.INT32;
            case "I8": return DataType.INT8;
            case "U8": return DataType.UINT8;
            case "BOOL": return DataType.BOOLEAN;
            default: return null; // valid in the format, but DJL has no such type
        }
    }

    /** Loads every tensor, keeping file dtypes (BF16 becomes F32). */
    public static Map<String, NDArray> load(Path file, NDManager manager) {
        return load(file, manager, k -> true, null);
    }

    /**
     * Loads the tensors whose names pass {@code keep}, memory-mapped.
     *
     * @param floatType if non-null, floating tensors are converted to this type (e.g. FLOAT32 or FLOAT16)
     */
    public static Map<String, NDArray> load(Path file, NDManager manager, Predicate<String> keep, DataType floatType) {
        Header h = header(file);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Windows windows = new Windows(ch, h, keep);
            for (Entry e : h.entries()) {
                if (!keep.test(e.name())) continue;
                if (djlType(e.dtype()) == null) {
                    throw new WeightException("tensor " + quote(e.name()) + " in " + file + " has dtype '" + e.dtype()
                            + "', which Erasure cannot load (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
                }
                NDArray a;
                try {
                    a = readTensor(windows.slice(e), e, manager);
                } catch (RuntimeException ex) { // e.g. a tensor over 2 GiB, which one mapping cannot hold
                    throw new WeightException("cannot load tensor '" + e.name() + "' from " + file + ": " + ex, ex);
                }
                if (floatType != null && a.getDataType().isFloating() && a.getDataType() != floatType) {
                    NDArray c = a.toType(floatType, false);
                    a.close();
                    a = c;
                }
                a.setName(e.name());
                out.put(e.name(), a);
            }
        } catch (IOException ex) {
            throw new WeightException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        return out;
    }

    private static NDArray readTensor(ByteBuffer bb, Entry e, NDManager manager) {
        long len = e.end() - e.begin();
        if (len == 0) return manager.zeros(e.shape(), djlType(e.dtype()));
        if ("BF16".equals(e.dtype())) {
            ByteBuffer f = ByteBuffer.allocateDirect((int) (len * 2)).order(ByteOrder.LITTLE_ENDIAN);
            while (bb.hasRemaining()) f.putInt((bb.getShort() & 0xFFFF) << 16);
            f.flip();
            return manager.create(f, e.shape(), DataType.FLOAT32);
        }
        return manager.create(bb, e.shape(), djlType(e.dtype()));
    }

    /**
     * The data section mapped in as few windows of at most 2 GiB (one mapping's limit) as hold the kept
     * tensors, each tensor a slice of one window. One mapping per tensor would let a file of 100,000
     * tiny tensors exhaust the kernel's map count (65,530 by default) and crash the JVM.
     */
    private static final class Windows {
        private final List<long[]> spans = new ArrayList<>(); // {start, end} in the data section
        private final List<ByteBuffer> maps = new ArrayList<>();

        Windows(FileChannel ch, Header h, Predicate<String> keep) throws IOException {
            List<Entry> kept = new ArrayList<>();
            for (Entry e : h.entries()) if (keep.test(e.name()) && e.end() > e.begin()) kept.add(e);
            kept.sort(Comparator.comparingLong(Entry::begin));
            long start = -1;
            long end = -1;
            for (Entry e : kept) {
                if (e.end() - e.begin() > Integer.MAX_VALUE) {
                    throw new WeightException("tensor " + quote(e.name()) + " in " + h.file() + " is over 2 GiB, "
                            + "more than one memory mapping holds; split it");
                }
                if (start >= 0 && e.end() - start <= Integer.MAX_VALUE) {
                    end = e.end();
                    continue;
                }
                if (start >= 0) spans.add(new long[] {start, end});
                start = e.begin();
                end = e.end();
            }
            if (start >= 0) spans.add(new long[] {start, end});
            for (long[] sp : spans) maps.add(ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart() + sp[0], sp[1] - sp[0]));
        }

        /** The bytes of {@code e}, little-endian, read-only. */
        ByteBuffer slice(Entry e) {
            if (e.end() == e.begin()) return ByteBuffer.allocateDirect(0);
            int i = 0;
            while (spans.get(i)[1] < e.end()) i++;
            int offset = (int) (e.begin() - spans.get(i)[0]);
            return maps.get(i).slice(offset, (int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    /**
     * Writes tensors (sorted by name, as the reference writer does) with optional metadata,
     * atomically: the data goes to a temporary file beside {@code file}, which then replaces it.
     * On any failure (an unwritable dtype, a tensor whose data cannot be read, a full disk, a folder
     * in the way) a {@link WeightException} names the file (and key), the temporary file is deleted
     * and a previous {@code file} is left untouched.
     */
    public static void save(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        SafetensorsWriter.write(file, tensors, metadata);
    }
}
