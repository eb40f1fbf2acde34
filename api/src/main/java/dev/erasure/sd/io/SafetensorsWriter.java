package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import dev.erasure.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The writing half of {@link Safetensors}: see {@link Safetensors#save} for the contract. */
final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        // everything that can be checked without touching the disk is checked first
        if (Files.isDirectory(file)) throw new WeightException("cannot write " + file + ": it is a folder");
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        ByteBuffer head = header(file, sorted, metadata);
        String[] current = {null};
        try {
            AtomicFiles.write(file, out -> {
                byte[] chunk = new byte[1 << 20];
                copy(head, out, chunk);
                for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
                    current[0] = e.getKey();
                    NDArray a = e.getValue();
                    ByteBuffer data = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    long expected = a.getShape().size() * a.getDataType().getNumOfBytes();
                    if (data.remaining() != expected) {
                        throw new WeightException("cannot write " + file + ": tensor '" + current[0] + "' gave "
                                + data.remaining() + " bytes for shape " + a.getShape() + ", expected " + expected);
                    }
                    copy(data, out, chunk);
                }
                current[0] = null;
            });
        } catch (IOException | RuntimeException e) {
            if (e instanceof WeightException) throw (WeightException) e;
            // e.g. "Native resource has been released already" from a closed tensor, or a full disk
            throw new WeightException("cannot write " + file + (current[0] == null ? "" : " (tensor '" + current[0] + "')")
                    + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer header(Path file, Map<String, NDArray> sorted, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray a = e.getValue();
            String dtype;
            long[] shape;
            long bytes;
            try {
                dtype = fileDtype(a.getDataType());
                shape = a.getShape().getShape();
                bytes = a.getShape().size() * a.getDataType().getNumOfBytes();
            } catch (RuntimeException ex) { // e.g. a closed tensor
                throw new WeightException("cannot write " + file + ": tensor '" + e.getKey() + "': " + ex, ex);
            }
            if (dtype == null) {
                throw new WeightException("cannot write " + file + ": tensor '" + e.getKey() + "' has dtype "
                        + a.getDataType() + ", which safetensors files written here do not support");
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", dtype);
            entry.put("shape", shape);
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the reference writer pads with spaces to a multiple of 8
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        return head.flip();
    }

    /** The safetensors dtype of a DJL type, or null for types the reader would not take back. */
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
            default: return null;
        }
    }

    /** Copies a (possibly direct) buffer to a stream through {@code chunk}. */
    private static void copy(ByteBuffer b, OutputStream out, byte[] chunk) throws IOException {
        while (b.hasRemaining()) {
            int n = Math.min(chunk.length, b.remaining());
            b.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }
}
