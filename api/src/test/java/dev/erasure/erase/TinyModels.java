package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import dev.erasure.train.Adam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Base of the engine tests: the tiny SD fixture they run on, loaded before and closed after each test
 * class ({@link #sd}, {@link #model}: static, as test classes run one at a time), and checks they share.
 */
abstract class TinyModels {
    private static final List<String> CHECKPOINT_FILES =
            List.of("trainable.safetensors", "optimizer.safetensors", "method.safetensors", "state.json");

    static StableDiffusion sd;
    static ErasureModel model;

    @BeforeAll
    static void loadTinyModel() {
        sd = load();
        model = new SdErasureModel(sd);
    }

    @AfterAll
    static void closeTinyModel() {
        sd.close();
    }

    /** A seconds-long erasure on the tiny model (the robustness tests' workload). */
    static Erasure tinyErasure() {
        return Erasure.of(model).target("church").latentSize(8).ddimSteps(5).learningRate(1e-3).seed(7)
                .vocabulary(Vocabulary.of(List.of("church", "tree", "house", "car", "dog", "cat")));
    }

    static StableDiffusion load() {
        return StableDiffusion.load(Fixtures.tinySd());
    }

    /** Whether two tensor maps have the same keys and bit-identical tensors. */
    static boolean sameTensors(Map<String, NDArray> a, Map<String, NDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        return a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k).toByteArray(), b.get(k).toByteArray()));
    }

    /** SHA-256 over the tensors' names and bytes in name order: equal digests, bit-identical tensors. */
    static byte[] digest(Map<String, NDArray> tensors) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String k : new TreeSet<>(tensors.keySet())) {
                md.update(k.getBytes(StandardCharsets.UTF_8));
                md.update(tensors.get(k).toByteArray());
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that {@code e} throws an IllegalArgumentException whose message mentions {@code part}. */
    static void assertMessage(String part, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should mention '" + part + "'");
    }

    /**
     * The newest checkpoints of two runs hold the same state bit for bit: every tensor of θ, the
     * optimiser and the method, and state.json (iteration, Adam step, RNG state, configuration, history).
     */
    static void assertSameCheckpoint(Path expectedDir, Path actualDir) throws IOException {
        Path a = Checkpoints.latest(expectedDir);
        Path b = Checkpoints.latest(actualDir);
        assertEquals(a.getFileName(), b.getFileName(), "same iteration");
        for (String f : CHECKPOINT_FILES) {
            assertEquals(Files.exists(a.resolve(f)), Files.exists(b.resolve(f)), f);
            if (!Files.exists(a.resolve(f))) continue;
            if (f.endsWith(".json")) {
                assertEquals(Files.readString(a.resolve(f)), Files.readString(b.resolve(f)), f);
                continue;
            }
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> x = Safetensors.load(a.resolve(f), m);
                Map<String, NDArray> y = Safetensors.load(b.resolve(f), m);
                assertEquals(x.keySet(), y.keySet(), f);
                for (String k : x.keySet()) assertArrayEquals(x.get(k).toByteArray(), y.get(k).toByteArray(), f + ": " + k);
            }
        }
    }

    /** Points {@code dir/latest} back at the checkpoint of {@code iteration}, as if the run had died after writing it. */
    static void rewind(Path dir, int iteration) throws IOException {
        String name = String.format("ckpt-%08d", iteration);
        assertTrue(Files.isDirectory(dir.resolve(name)), name + " was kept");
        Files.writeString(dir.resolve("latest"), name);
    }

    /** A checkpoint folder holds only {@code latest} and complete checkpoints: no temporary or partial files. */
    static void assertOnlyCompleteCheckpoints(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (name.equals("latest")) continue;
                assertTrue(name.matches("ckpt-\\d{8}") && Files.isDirectory(p), "unexpected entry " + p);
                for (String f : List.of("trainable.safetensors", "optimizer.safetensors", "state.json")) {
                    assertTrue(Files.isRegularFile(p.resolve(f)), p + " lacks " + f);
                }
                try (Stream<Path> files = Files.list(p)) {
                    for (Path f : files.toList()) {
                        assertTrue(CHECKPOINT_FILES.contains(f.getFileName().toString()), "unexpected file " + f);
                    }
                }
            }
        }
    }

    /** Copies a checkpoint folder (one level of checkpoint sub-folders). */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> st = Files.walk(from)) {
            for (Path p : st.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }

    /**
     * Each ESD-family run of {@code base} with these preservations ({@code base} sets the seed of its
     * training draws) lowers the ESD loss on 20 samples drawn with another seed (held out), changes
     * exactly the cross-attention tensors and is deterministic (run twice).
     */
    static void assertEsdFamilyLowersHeldOutLoss(ErasureModel model, Erasure base, List<Preserve> preserves) {
        try (Session s = new Session(model, base.iterations(1).seed(99).settings())) {
            Esd esd = new Esd(s);
            List<Esd.Sample> samples = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Esd.Sample x = esd.draw();
                samples.add(new Esd.Sample(x.target(), x.k(), x.t(), s.keep(x.latent()), s.keep(x.goal())));
            }
            double before = samples.stream().mapToDouble(x -> esd.loss(x).getFloat()).sum();
            for (Preserve p : preserves) {
                try (ErasureResult r = base.preserve(p).run(); ErasureResult again = base.preserve(p).run()) {
                    assertEquals(new TreeSet<>(Params.crossAttention().select(model.unetWeights().keys())),
                            new TreeSet<>(r.changedTensors().keySet()), p + ": exactly the cross-attention tensors train");
                    assertTrue(sameTensors(r.changedTensors(), again.changedTensors()), p + ": deterministic");
                    s.trainable().load(r.changedTensors(), "result of " + p);
                    double after = samples.stream().mapToDouble(x -> esd.loss(x).getFloat()).sum();
                    assertTrue(after < before, p + ": ESD loss on held-out samples " + before + " → " + after);
                }
            }
        }
    }
}
