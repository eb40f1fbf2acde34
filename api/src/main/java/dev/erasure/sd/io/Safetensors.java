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
                NDArray a;
                try {
                    a = readTensor(ch, h, e, manager);
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
