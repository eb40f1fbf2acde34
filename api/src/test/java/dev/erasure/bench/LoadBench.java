package dev.erasure.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonParser;
import dev.erasure.erase.Sd14;
import dev.erasure.erase.UNetShapes;
import dev.erasure.sd.Djl;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads an SD-1.4-sized UNet (3.44 GB fp32, every tensor of the real config, zero-valued) and
 * reports resident memory: the memory-mapped reader must not hold a second copy of the weights in
 * anonymous memory. The file is written sparse (a header, then a seek), so making it is instant.
 * {@code ./erasure bench load [folder-for-the-temp-file]}.
 */
public final class LoadBench {
    private LoadBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory(args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir")), "sd14-unet");
        Path file = dir.resolve("diffusion_pytorch_model.safetensors");
        UNetConfig cfg = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        long bytes = writeSparse(file, UNetShapes.of(cfg));
        Djl.engine();
        System.out.printf("SD-1.4 UNet file: %.2f GB, %d tensors%n", bytes / 1e9, UNetShapes.of(cfg).size());
        System.out.printf("before load:   %s%n", rss());
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = Safetensors.load(file, m);
            double loadS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("after load:    %s  (%.2f s)%n", rss(), loadS);
            UNet2DConditionModel unet = new UNet2DConditionModel(cfg, new Weights(w, file.toString()));
            long t1 = System.nanoTime();
            try (NDScope s = new NDScope()) {
                unet.forward(m.zeros(new Shape(1, 4, 8, 8)), m.create(new long[] {500}), m.zeros(new Shape(1, 77, 768)));
            }
            System.out.printf("after forward: %s  (8x8 latent, %.2f s: every weight touched)%n", rss(), (System.nanoTime() - t1) / 1e9);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Header with every tensor, then a seek to the end: zero data without writing it. */
    static long writeSparse(Path file, Map<String, long[]> shapes) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : new TreeMap<>(shapes).entrySet()) {
            long n = UNetShapes.size(e.getValue()) * 4;
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(), "data_offsets", new long[] {offset, offset + n}));
            offset += n;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            ch.write(ByteBuffer.wrap(new byte[] {0}), 8 + padded + offset - 1);
        }
        return 8 + padded + offset;
    }

    static String rss() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon") || line.startsWith("RssFile")) {
                sb.append(line.replaceAll("\\s+", " ")).append("  ");
            }
        }
        return sb.toString().trim();
    }
}
