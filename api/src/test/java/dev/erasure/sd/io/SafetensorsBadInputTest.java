package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every malformed file is a WeightException naming the file (and key); odd dtypes load correctly; save is atomic. */
class SafetensorsBadInputTest {
    @TempDir
    Path tmp;
    NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Writes an 8-byte length (given, or the real one), the header text and the data. */
    Path write(String name, Long declaredLength, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength != null ? declaredLength : h.length).put(h).put(data);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    Path oneTensor(String name, String dtype, String shape, long begin, long end, int dataBytes) throws IOException {
        String header = "{\"w.weight\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
                + ",\"data_offsets\":[" + begin + "," + end + "]}}";
        return write(name, null, header, new byte[dataBytes]);
    }

    /** Asserts that loading fails with a WeightException whose message contains the file and every extra fragment. */
    void assertRefused(Path file, String... fragments) {
        WeightException e = assertThrows(WeightException.class, () -> Safetensors.load(file, manager));
        assertTrue(e.getMessage().contains(file.toString()), "message does not name the file: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
    }

    @Test
    void missingFileFolderAndEmptyFile() throws IOException {
        assertRefused(tmp.resolve("nope.safetensors"), "not found");
        Path dir = Files.createDirectory(tmp.resolve("dir.safetensors"));
        assertRefused(dir, "folder");
        assertRefused(Files.write(tmp.resolve("empty.safetensors"), new byte[0]), "truncated");
    }

    @Test
    void realFileCutInHalf() throws IOException {
        Path unet = Fixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors");
        byte[] all = Files.readAllBytes(unet);
        Path half = Files.write(tmp.resolve("half.safetensors"), Arrays.copyOf(all, all.length / 2));
        assertRefused(half, "tensor '", "outside the data section");
    }

    @Test
    void headerLengthsLargerThanFileOrAbsurd() throws IOException {
        assertRefused(write("long.safetensors", 4096L, "{}", new byte[0]), "truncated");
        assertRefused(write("absurd.safetensors", 1L << 60, "{}", new byte[0]), "header length");
        assertRefused(write("negative.safetensors", -8L, "{}", new byte[0]), "header length");
    }

    @Test
    void pickleOrZipRecognised() throws IOException {
        byte[] zip = Arrays.copyOf("PK\u0003\u0004".getBytes(StandardCharsets.ISO_8859_1), 64);
        assertRefused(Files.write(tmp.resolve("zip.safetensors"), zip), "pickle");
        byte[] pickle = Arrays.copyOf(new byte[] {(byte) 0x80, 2, 'c', 'c', 'o', 'l', 'l', 'e'}, 64);
        assertRefused(Files.write(tmp.resolve("pickle.safetensors"), pickle), "pickle");
    }

    @Test
    void headerNotJson() throws IOException {
        assertRefused(write("notjson.safetensors", null, "{\"w\": {\"dtype\": \"F32\", [", new byte[0]), "not valid JSON");
        assertRefused(write("array.safetensors", null, "[1, 2]      ", new byte[0]), "not a JSON object");
        assertRefused(write("badentry.safetensors", null, "{\"w.weight\": 3}", new byte[0]), "w.weight", "malformed");
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        assertRefused(oneTensor("outside.safetensors", "F32", "[4]", 0, 16, 8), "w.weight", "outside");
        assertRefused(oneTensor("reversed.safetensors", "F32", "[0]", 8, 4, 8), "w.weight", "outside");
        assertRefused(oneTensor("negoff.safetensors", "F32", "[1]", -4, 0, 8), "w.weight", "outside");
    }

    @Test
    void byteCountNotMatchingShape() throws IOException {
        assertRefused(oneTensor("count.safetensors", "F32", "[3]", 0, 8, 8), "w.weight", "needs 12");
        assertRefused(oneTensor("overflow.safetensors", "F32", "[4611686018427387904, 4]", 0, 8, 8), "w.weight");
    }

    @Test
    void unknownDtypes() throws IOException {
        for (String dtype : new String[] {"F8_E4M3", "C64", "U64"}) {
            assertRefused(oneTensor(dtype + ".safetensors", dtype, "[1]", 0, 8, 8), "w.weight", dtype);
        }
    }

    @Test
    void negativeDimension() throws IOException {
        assertRefused(oneTensor("neg.safetensors", "F32", "[-1, 2]", 0, 8, 8), "w.weight", "negative");
    }

    @Test
    void bf16IsWidenedToF32() throws IOException {
        float[] values = {1f, -2.5f, 3.140625f, 0f, -0.0078125f, 65280f};
        ByteBuffer data = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) data.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); // all exact in BF16
        Path f = write("bf16.safetensors", null, "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}}",
                data.array());
        NDArray a = Safetensors.load(f, manager).get("w");
        assertEquals(DataType.FLOAT32, a.getDataType());
        assertEquals(new Shape(2, 3), a.getShape());
        assertArrayEquals(values, a.toFloatArray());
    }

    @Test
    void f16LoadsAndConvertsToF32WhenAsked() throws IOException {
        short[] halves = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF}; // 1, -2, 0.5, 65504
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) data.putShort(h);
        Path f = write("f16.safetensors", null, "{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}",
                data.array());
        NDArray kept = Safetensors.load(f, manager).get("w");
        assertEquals(DataType.FLOAT16, kept.getDataType());
        NDArray widened = Safetensors.load(f, manager, k -> true, DataType.FLOAT32).get("w");
        assertEquals(DataType.FLOAT32, widened.getDataType());
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f}, widened.toFloatArray());
        assertArrayEquals(widened.toFloatArray(), kept.toType(DataType.FLOAT32, false).toFloatArray());
    }

    /** A save that fails must keep the old file byte for byte and leave no temporary file behind. */
    void assertSaveFailsAtomically(Map<String, NDArray> tensors) throws IOException {
        Path target = tmp.resolve("model.safetensors");
        Safetensors.save(target, Map.of("old", manager.create(new float[] {7f, 8f})), null);
        byte[] before = Files.readAllBytes(target);
        WeightException e = assertThrows(WeightException.class, () -> Safetensors.save(target, tensors, null));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target), "old file changed");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "a temporary file was left in " + tmp);
        }
    }

    static NDArray withDataType(NDArray real, DataType type) {
        return (NDArray) Proxy.newProxyInstance(NDArray.class.getClassLoader(), new Class<?>[] {NDArray.class},
                (proxy, method, args) -> "getDataType".equals(method.getName()) ? type : method.invoke(real, args));
    }

    @Test
    void saveWithAnUnwritableDtypeKeepsTheOldFile() throws IOException {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("a.valid", manager.create(new float[] {1f, 2f}));
        // DJL aborts the JVM on a real INT16 tensor, so a proxy reports the dtype the writer must refuse
        m.put("b.int16", withDataType(manager.create(new float[] {1f, 2f}), DataType.INT16));
        assertSaveFailsAtomically(m);
    }

    @Test
    void saveFailingMidWriteKeepsTheOldFile() throws IOException {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("a.valid", manager.create(new float[] {1f, 2f}));
        NDArray released = manager.create(new float[] {3f, 4f});
        m.put("b.released", released);
        released.close(); // its data cannot be read any more: the write fails after the header and "a.valid"
        assertSaveFailsAtomically(m);
    }

    @Test
    void saveOverAFolderOrBelowAFileFails() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("taken.safetensors").resolve("child"));
        Map<String, NDArray> m = Map.of("a", manager.create(new float[] {1f}));
        WeightException e = assertThrows(WeightException.class, () -> Safetensors.save(folder.getParent(), m, null));
        assertTrue(e.getMessage().contains(folder.getParent().toString()), e.getMessage());
        assertTrue(Files.isDirectory(folder), "the folder in the way was touched");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "a temporary file was left in " + tmp);
        }
        Path file = Files.write(tmp.resolve("plain"), new byte[] {1});
        WeightException e2 = assertThrows(WeightException.class, () -> Safetensors.save(file.resolve("x.safetensors"), m, null));
        assertTrue(e2.getMessage().contains(file.resolve("x.safetensors").toString()), e2.getMessage());
    }
}
