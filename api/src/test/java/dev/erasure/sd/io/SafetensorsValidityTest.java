package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strict-validity corpus: every file the safetensors format (as its reference implementation
 * checks it) forbids is refused with a bounded message naming the file, and every valid one loads.
 */
class SafetensorsValidityTest {
    @TempDir
    Path tmp;
    NDManager manager;
    int n;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    Path file(byte[] h, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(tmp.resolve("f" + (n++) + ".safetensors"), b.array());
    }

    static String t(String name, String dtype, String shape, String begin, String end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    void refused(String why, Path f, String fragment) {
        WeightException e = assertThrows(WeightException.class, () -> Safetensors.load(f, manager), why);
        assertTrue(e.getMessage().contains(f.toString()), why + ": message does not name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), why + ": message lacks '" + fragment + "': " + e.getMessage());
        assertTrue(e.getMessage().length() < 1000, why + ": message of " + e.getMessage().length() + " characters");
    }

    @Test
    void forbiddenFilesAreRefused() throws IOException {
        refused("2^64+16 must not wrap to 16", file("{" + t("a", "F32", "[4]", "0", "18446744073709551632") + "}", 16), "larger than any file");
        refused("overlap", file("{" + t("a", "F32", "[4]", "0", "16") + "," + t("b", "F32", "[4]", "0", "16") + "}", 16), "overlapping");
        refused("gap", file("{" + t("a", "F32", "[1]", "0", "4") + "," + t("b", "F32", "[1]", "8", "12") + "}", 12), "gap");
        refused("trailing bytes", file("{" + t("a", "F32", "[1]", "0", "4") + "}", 12), "trailing");
        refused("duplicate key", file("{" + t("a", "F32", "[1]", "0", "4") + "," + t("a", "F32", "[1]", "0", "4") + "}", 4), "duplicate");
        refused("size overflow", file("{" + t("a", "F32", "[4611686018427387904,4]", "0", "16") + "}", 16), "overflows");
        refused("float offset", file("{" + t("a", "F32", "[1]", "0", "4.0") + "}", 4), "non-integer");
        refused("exponent", file("{" + t("a", "F32", "[1]", "0", "4e0") + "}", 4), "non-integer");
        refused("metadata number", file("{\"__metadata__\":{\"format\":1}}", 0), "not a string");
        refused("metadata array", file("{\"__metadata__\":[\"pt\"]}", 0), "__metadata__");
        refused("not an object", file("[]", 0), "not a JSON object");
        refused("leading space", file(" {}", 0), "not a JSON object");
        refused("trailing content", file("{} {}", 0), "not valid JSON");
        refused("unknown dtype", file("{" + t("a", "C64", "[1]", "0", "8") + "}", 8), "unknown dtype");
        refused("missing shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "needs dtype, shape");
        refused("three offsets", file("{" + t("a", "F32", "[1]", "0", "4,4") + "}", 4), "2 numbers");
        refused("invalid UTF-8", file(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}, 0), "UTF-8");
        refused("5,000 nested arrays", file("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0), "malformed");
        refused("5,000 nested in metadata", file("{\"__metadata__\":{\"k\":" + "[".repeat(5000) + "]".repeat(5000) + "}}", 0), "not a string");
        refused("nested unknown field", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":"
                + "{\"y\":".repeat(5000) + "1" + "}".repeat(5000) + "}}", 4), "unknown field");
        String longName = "k".repeat(10_000_000);
        refused("a 10-million-character key", file("{" + t(longName, "F32", "[1]", "0", "4") + "," + t(longName, "F32", "[1]", "4", "8") + "}", 4), "characters");
        refused("unloadable but valid dtype", file("{" + t("a", "U16", "[2]", "0", "4") + "}", 4), "cannot load");
    }

    @Test
    void aFifoIsRefusedInsteadOfBlocking() throws Exception {
        Path fifo = tmp.resolve("pipe.safetensors");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        if (p.waitFor() != 0) return; // no mkfifo here: nothing to test
        refused("a FIFO", fifo, "not a regular file");
    }

    @Test
    void moreTensorsThanTheKernelsMapCountLoad() throws IOException {
        int n = 70_000; // over Linux's default vm.max_map_count of 65,530: one mapping per tensor crashed the JVM
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append(t("t" + i, "U8", "[1]", "" + i, "" + (i + 1)));
        Map<String, NDArray> m = Safetensors.load(file(b.append('}').toString(), n), manager);
        assertEquals(n, m.size());
    }

    @Test
    void validFilesAreAccepted() throws IOException {
        assertEquals(0, Safetensors.load(file("{}", 0), manager).size(), "no tensors");
        assertEquals(0, Safetensors.load(file("{}      ", 0), manager).size(), "padding spaces");
        assertEquals(Map.of(), Safetensors.header(file("{\"__metadata__\":null}", 0)).metadata());
        Map<String, NDArray> m = Safetensors.load(file("{\"__metadata__\":{\"format\":\"pt\"},"
                + t("b", "F32", "[2]", "0", "8") + "," + t("a", "F16", "[0,3]", "8", "8") + "," + t("c", "U8", "[3]", "8", "11")
                + ",\"z\":{\"data_offsets\":[11,12],\"shape\":[],\"dtype\":\"BOOL\",\"note\":\"scalar unknown fields are ignored\"}}", 12), manager);
        assertEquals(Set.of("a", "b", "c", "z"), m.keySet());
        assertEquals(0, m.get("a").size());
        assertEquals(3, m.get("c").size());
    }
}
