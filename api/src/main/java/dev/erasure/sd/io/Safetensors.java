package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new WeightException(file + " is truncated: " + size + " bytes, not even a header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER_BYTES) {
                throw new WeightException(file + " has an absurd header length " + Long.toUnsignedString(n)
                        + " (not a safetensors file, or corrupt)");
            }
            if (8 + n > size) {
                throw new WeightException(file + " is truncated: header says " + n + " bytes but the file has "
                        + size + " bytes in all");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            String text = new String(json.array(), StandardCharsets.UTF_8);
            return parseHeader(file, text, 8 + n, size - 8 - n);
        } catch (NoSuchFileException e) {
            throw new WeightException("weight file not found: " + file, e);
        } catch (IOException e) {
            throw new WeightException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Header parseHeader(Path file, String text, long dataStart, long dataSize) {
        JsonObject root;
        try {
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonObject()) throw new WeightException(file + ": header is not a JSON object");
            root = el.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new WeightException(file + ": header is not valid JSON (" + e.getMessage() + ")", e);
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> kv : root.entrySet()) {
            String name = kv.getKey();
            if ("__metadata__".equals(name)) {
                if (kv.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> m : kv.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
                    }
                }
                continue;
            }
            entries.add(parseEntry(file, name, kv.getValue(), dataSize));
        }
        return new Header(file, dataStart, Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata));
    }

    private static Entry parseEntry(Path file, String name, JsonElement value, long dataSize) {
        String where = "tensor '" + name + "' in " + file;
        try {
            JsonObject o = value.getAsJsonObject();
            String dtype = o.get("dtype").getAsString();
            int width = byteWidth(dtype);
            if (width < 0) throw new WeightException(where + " has unsupported dtype '" + dtype + "'");
            JsonArray dims = o.getAsJsonArray("shape");
            long[] shape = new long[dims.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).getAsLong();
                if (shape[i] < 0) throw new WeightException(where + " has a negative dimension in shape " + dims);
                count = Math.multiplyExact(count, shape[i]);
            }
            JsonArray off = o.getAsJsonArray("data_offsets");
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new WeightException(where + " has data_offsets [" + begin + ", " + end
                        + "] outside the data section of " + dataSize + " bytes (truncated or corrupt file)");
            }
            if (end - begin != Math.multiplyExact(count, width)) {
                throw new WeightException(where + " has " + (end - begin) + " bytes but shape " + dims + " of "
                        + dtype + " needs " + count * width);
            }
            return new Entry(name, dtype, new Shape(shape), begin, end);
        } catch (WeightException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new WeightException(where + " has a malformed header entry: " + value, e);
        }
    }

    /** Bytes per element of a safetensors dtype, or -1 if DJL cannot hold it. */
    static int byteWidth(String dtype) {
        switch (dtype) {
            case "F64": case "I64": return 8;
            case "F32": case "I32": return 4;
            case "F16": case "BF16": return 2;
            case "I8": case "U8": case "BOOL": return 1;
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
            default: throw new IllegalArgumentException(dtype);
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
            for (Entry e : h.entries()) {
                if (!keep.test(e.name())) continue;
                NDArray a = readTensor(ch, h, e, manager);
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

    private static NDArray readTensor(FileChannel ch, Header h, Entry e, NDManager manager) throws IOException {
        long len = e.end() - e.begin();
        if (len == 0) return manager.zeros(e.shape(), djlType(e.dtype()));
        ByteBuffer bb = ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart() + e.begin(), len)
                .order(ByteOrder.LITTLE_ENDIAN);
        if ("BF16".equals(e.dtype())) {
            ByteBuffer f = ByteBuffer.allocateDirect((int) (len * 2)).order(ByteOrder.LITTLE_ENDIAN);
            while (bb.hasRemaining()) f.putInt((bb.getShort() & 0xFFFF) << 16);
            f.flip();
            return manager.create(f, e.shape(), DataType.FLOAT32);
        }
        return manager.create(bb, e.shape(), djlType(e.dtype()));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    private static String fileDtype(DataType t) {
        switch (t) {
            case FLOAT64: return "F64";
            case FLOAT32: return "F32";
            case FLOAT16: return "F16";
            case INT64: return "I64";
            case INT32: return "I32";
            case INT8: return "I8";
            case UINT8: return "U8";
            case BOOLEAN: return "BOOL";
            default: throw new WeightException("cannot write dtype " + t + " to safetensors");
        }
    }

    /**
     * Writes tensors (sorted by name, as the reference writer does) with optional metadata,
     * atomically: the data goes to a temporary file beside {@code file}, which then replaces it,
     * so a crash never leaves a half-written weight file.
     */
    public static void save(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray a = e.getValue();
            long bytes = a.getShape().size() * a.getDataType().getNumOfBytes();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", fileDtype(a.getDataType()));
            entry.put("shape", a.getShape().getShape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (NDArray a : sorted.values()) {
                    ByteBuffer data = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    writeFully(ch, data);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new WeightException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp file is hidden and never read
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
