package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Resumable checkpoints of an erasure run. Layout of a checkpoint folder:
 * <pre>
 * dir/latest                      name of the newest complete checkpoint ("ckpt-00000020")
 * dir/ckpt-00000020/trainable.safetensors   the θ subset (diffusers keys)
 *                   optimizer.safetensors   θ's Adam moments (m.KEY, v.KEY)
 *                   method.safetensors      π and its Adam / the adversarial embedding (if any)
 *                   state.json              iteration, Adam step, RNG state, config fingerprint, history
 * </pre>
 * Atomic: a checkpoint is written into a hidden temporary folder, renamed into place, and only
 * then does {@code latest} (itself replaced by an atomic rename) point at it; older checkpoints
 * except the previous one are then deleted. A crash at any point leaves the previous one usable.
 */
public final class Checkpoints {
    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final String LATEST = "latest";

    /** What state.json holds. */
    record State(int iteration, long adamStep, long random, String fingerprint, String method, List<StepRecord> history) {
    }

    private Checkpoints() {
    }

    public static void save(Path dir, int iteration, Session s, ErasureMethod m, List<StepRecord> history) {
        try {
            Files.createDirectories(dir);
            String name = String.format("ckpt-%08d", iteration);
            Path tmp = Files.createTempDirectory(dir, ".tmp-" + name);
            Safetensors.save(tmp.resolve("trainable.safetensors"), s.trainable().tensors(), Map.of("format", "pt"));
            Safetensors.save(tmp.resolve("optimizer.safetensors"), s.adam().state(), Map.of());
            Map<String, NDArray> ms = m.state();
            if (!ms.isEmpty()) Safetensors.save(tmp.resolve("method.safetensors"), ms, Map.of());
            State st = new State(iteration, s.adam().stepCount(), s.random().state(), s.settings().fingerprint(), m.name(), history);
            Files.writeString(tmp.resolve("state.json"), GSON.toJson(st), StandardCharsets.UTF_8);
            Path target = dir.resolve(name);
            if (Files.exists(target)) deleteTree(target);
            move(tmp, target);
            Path pointer = Files.createTempFile(dir, ".latest", ".tmp");
            Files.writeString(pointer, name, StandardCharsets.UTF_8);
            move(pointer, dir.resolve(LATEST));
            pruneOlderThanPrevious(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The newest checkpoint folder of {@code dir}, with a clear error if there is none. */
    public static Path latest(Path dir) {
        Path pointer = dir.resolve(LATEST);
        if (!Files.isRegularFile(pointer)) {
            throw new IllegalArgumentException("no checkpoint to resume in " + dir + " (missing '" + LATEST + "')");
        }
        try {
            Path ckpt = dir.resolve(Files.readString(pointer, StandardCharsets.UTF_8).trim());
            if (!Files.isRegularFile(ckpt.resolve("state.json"))) {
                throw new IllegalArgumentException("checkpoint " + ckpt + " is incomplete (no state.json)");
            }
            return ckpt;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pointer, e);
        }
    }

    /** Reads state.json of the newest checkpoint (cheap: used to validate before any compute). */
    static State readState(Path dir) {
        Path file = latest(dir).resolve("state.json");
        try {
            JsonObject o = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), JsonObject.class);
            List<StepRecord> history = GSON.fromJson(o.get("history"), new TypeToken<List<StepRecord>>() { }.getType());
            return new State(o.get("iteration").getAsInt(), o.get("adamStep").getAsLong(), o.get("random").getAsLong(),
                    o.get("fingerprint").getAsString(), o.get("method").getAsString(), history);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks (cheaply, before any compute) that {@code dir} holds a checkpoint this configuration can resume. */
    public static void requireCompatible(Path dir, Settings settings) {
        State st = readState(dir);
        if (!st.fingerprint().equals(settings.fingerprint())) {
            throw new IllegalArgumentException("checkpoint in " + dir + " was made with a different configuration:\n  saved:   "
                    + st.fingerprint() + "\n  current: " + settings.fingerprint());
        }
        int done = st.history().isEmpty() ? 0 : st.history().get(st.history().size() - 1).step();
        if (done > settings.steps()) {
            throw new IllegalArgumentException("checkpoint in " + dir + " is at step " + done + ", beyond steps(" + settings.steps() + ")");
        }
    }

    /** Loads the newest checkpoint into the session and method; returns the iteration to continue at. */
    public static int restore(Path dir, Session s, ErasureMethod m, List<StepRecord> history) {
        requireCompatible(dir, s.settings());
        State st = readState(dir);
        Path ckpt = latest(dir);
        try (NDManager tmp = s.manager().newSubManager()) {
            s.trainable().load(Safetensors.load(ckpt.resolve("trainable.safetensors"), tmp), ckpt.toString());
            s.adam().restore(Safetensors.load(ckpt.resolve("optimizer.safetensors"), tmp), st.adamStep());
            Path method = ckpt.resolve("method.safetensors");
            if (Files.exists(method)) m.restore(Safetensors.load(method, tmp));
        }
        s.restoreRandom(st.random());
        history.addAll(st.history());
        return st.iteration();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void pruneOlderThanPrevious(Path dir, String newest) throws IOException {
        List<Path> ckpts;
        try (Stream<Path> st = Files.list(dir)) {
            ckpts = st.filter(p -> p.getFileName().toString().startsWith("ckpt-")).sorted().toList();
        }
        for (int i = 0; i < ckpts.size() - 2; i++) {
            if (!ckpts.get(i).getFileName().toString().equals(newest)) deleteTree(ckpts.get(i));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> st = Files.walk(p)) {
            for (Path q : st.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
