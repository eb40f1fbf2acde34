package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The writing half of {@link Safetensors}: see {@link Safetensors#save} for the contract. */
final class SafetensorsWriter {
    /** What a new weight file gets; temp files are created 0600, which would make saved models private. */
    private static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private SafetensorsWriter() {
    }

    static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        // everything that can be checked without touching the disk is checked first
        if (Files.isDirectory(file)) throw new WeightException("cannot write " + file + ": it is a folder");
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        ByteBuffer head = header(file, sorted, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        String current = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
                    current = e.getKey();
                    NDArray a = e.getValue();
                    ByteBuffer data = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    long expected = a.getShape().size() * a.getDataType().getNumOfBytes();
                    if (data.remaining() != expected) {
                        throw new WeightException("cannot write " + file + ": tensor '" + current + "' gave "
                                + data.remaining() + " bytes for shape " + a.getShape() + ", expected " + expected);
                    }
                    writeFully(ch, data);
                }
                current = null;
                ch.force(true);
            }
            setPermissions(tmp, file);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof WeightException) throw (WeightException) e;
            // e.g. "Native resource has been released already" from a closed tensor
            throw new WeightException("cannot write " + file + (current == null ? "" : " (tensor '" + current + "')")
                    + ": " + e, e);
        } finally {
            deleteQuietly(tmp);
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

    /** Keeps an overwritten file's permissions; a new file gets rw-r--r-- instead of the temp file's rw-------. */
    private static void setPermissions(Path tmp, Path target) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (view == null) return; // not a POSIX file system
        view.setPermissions(Files.exists(target) ? Files.getPosixFilePermissions(target) : NEW_FILE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) return;
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: the temp file is hidden and never read
        }
    }
}
