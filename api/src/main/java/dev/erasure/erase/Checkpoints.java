package dev.erasure.erase;

import dev.erasure.train.Adam;
import dev.erasure.io.AtomicFiles;
import dev.erasure.sd.Djl;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Resumable checkpoints of an erasure run, one format for every trained method. Layout of a checkpoint folder:
 * <pre>
 * dir/latest                      name of the newest complete checkpoint ("ckpt-00000020")
 * dir/ckpt-00000020/trainable.safetensors   θ (UNet subset by diffusers keys, or AdvUnlearn's text-encoder subset)
 *                   optimizer.safetensors   θ's Adam moments (m.KEY, v.KEY; grad.KEY when gradients carry over)
 *                   method.safetensors      the method's own state: π and its Adam, an adversarial embedding,
 *                                           AdvAnchor's δ and training latents (if any)
 *                   state.json              iteration, Adam step, RNG state, configuration, history
 * </pre>
 * Atomic: a checkpoint is written into a hidden temporary folder, renamed into place, and only
 * then does {@code latest} (itself replaced by an atomic rename) point at it; older checkpoints
 * except the previous one are then deleted. A failed write deletes its temporary folder, and the
 * next save deletes what a killed run left; a crash at any point leaves the previous one usable.
 */
public final class Checkpoints {
    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final String LATEST = "latest";
    private static final String TMP = ".tmp-";

    /**
     * What state.json holds; {@code configuration} is the fingerprint by setting name plus the
     * method's own settings (null in checkpoints written before it existed).
     */
    record State(int iteration, long adamStep, long random, String fingerprint, Map<String, String> configuration,
                 String method, List<StepRecord> history, Integer threads) {
    }

    private Checkpoints() {
    }

    public static void save(Path dir, int iteration, Session s, ErasureMethod m, List<StepRecord> history) {
        Path tmp = null;
        try (NDScope scope = new NDScope()) { // closes the gradient wrappers a state() may hand out
            Files.createDirectories(dir);
            deleteLeftovers(dir);
            String name = String.format("ckpt-%08d", iteration);
            tmp = Files.createTempDirectory(dir, TMP + name);
            Safetensors.save(tmp.resolve("trainable.safetensors"), s.theta().tensors(), Map.of("format", "pt"));
            Safetensors.save(tmp.resolve("optimizer.safetensors"), s.adam().state(), Map.of());
            Map<String, NDArray> ms = m.state();
            if (!ms.isEmpty()) Safetensors.save(tmp.resolve("method.safetensors"), ms, Map.of());
            State st = new State(iteration, s.adam().stepCount(), s.random().state(), s.settings().fingerprint(),
                    configuration(s.settings(), m.configuration()), m.name(), history, Djl.threads());
            AtomicFiles.writeString(tmp.resolve("state.json"), GSON.toJson(st));
            Path target = dir.resolve(name);
            if (Files.exists(target)) deleteTree(target);
            move(tmp, target);
            tmp = null;
            AtomicFiles.writeString(dir.resolve(LATEST), name);
            pruneOlderThanPrevious(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
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
            Map<String, String> configuration = o.has("configuration")
                    ? GSON.fromJson(o.get("configuration"), new TypeToken<LinkedHashMap<String, String>>() { }.getType()) : null;
            return new State(o.get("iteration").getAsInt(), o.get("adamStep").getAsLong(), o.get("random").getAsLong(),
                    o.get("fingerprint").getAsString(), configuration, o.get("method").getAsString(), history,
                    o.has("threads") ? o.get("threads").getAsInt() : null);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks (cheaply, before any compute) that {@code dir} holds a checkpoint this configuration can resume. */
    public static void requireCompatible(Path dir, Settings settings) {
        requireCompatible(dir, settings, Map.of());
    }

    /**
     * As {@link #requireCompatible(Path, Settings)} for a method with settings of its own
     * ({@link ErasureMethod#configuration()}); the error names every setting that differs.
     */
    public static void requireCompatible(Path dir, Settings settings, Map<String, String> method) {
        State st = readState(dir);
        List<String> differences = differences(st, settings, method);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("checkpoint in " + dir + " was made with a different configuration:\n  "
                    + String.join("\n  ", differences));
        }
        int done = st.history().isEmpty() ? 0 : st.history().get(st.history().size() - 1).step();
        if (done > settings.steps()) {
            throw new IllegalArgumentException("checkpoint in " + dir + " is at step " + done + ", beyond steps(" + settings.steps() + ")");
        }
    }

    /** Loads the newest checkpoint into the session and method; returns the iteration to continue at. */
    public static int restore(Path dir, Session s, ErasureMethod m, List<StepRecord> history) {
        requireCompatible(dir, s.settings(), m.configuration());
        State st = readState(dir);
        Path ckpt = latest(dir);
        try (NDManager tmp = s.manager().newSubManager()) {
            s.theta().load(Safetensors.load(ckpt.resolve("trainable.safetensors"), tmp), ckpt.toString());
            s.adam().restore(Safetensors.load(ckpt.resolve("optimizer.safetensors"), tmp), st.adamStep());
            Path method = ckpt.resolve("method.safetensors");
            if (Files.exists(method)) m.restore(Safetensors.load(method, tmp));
        }
        s.restoreRandom(st.random());
        if (st.threads() != null && st.threads() != Djl.threads()) {
            System.err.println("warning: checkpoint " + ckpt + " was written with " + st.threads() + " libtorch threads, this run has "
                    + Djl.threads() + ": the resumed weights will differ in the last bits from an uninterrupted run"
                    + " (set -Dai.djl.pytorch.num_threads=" + st.threads() + " to match)");
        }
        history.addAll(st.history());
        return st.iteration();
    }

    /**
     * A method's own settings for {@link ErasureMethod#configuration()}: {@code method} under "method",
     * then alternating names and values, named "method.name" (e.g. "AdvUnlearn.attackSteps").
     */
    static Map<String, String> methodConfiguration(String method, Object... namesAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("method", method);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put(method + "." + namesAndValues[i], String.valueOf(namesAndValues[i + 1]));
        }
        return out;
    }

    /** The common settings by name, then the method's own. */
    private static Map<String, String> configuration(Settings settings, Map<String, String> method) {
        Map<String, String> out = new LinkedHashMap<>(settings.configuration());
        out.putAll(method);
        return out;
    }

    /** "name: saved in the checkpoint, current in this run" for every setting that differs. */
    private static List<String> differences(State st, Settings settings, Map<String, String> method) {
        if (st.configuration() == null) { // written before settings were named: only an ESD-family fingerprint
            boolean same = method.isEmpty() && st.fingerprint().equals(settings.fingerprint());
            return same ? List.of() : List.of("fingerprint: " + st.fingerprint() + " in the checkpoint, "
                    + settings.fingerprint() + " in this run");
        }
        Map<String, String> saved = st.configuration();
        Map<String, String> current = configuration(settings, method);
        Set<String> names = new LinkedHashSet<>(current.keySet());
        names.addAll(saved.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String a = saved.get(n);
            String b = current.get(n);
            if (!Objects.equals(a, b)) {
                out.add(n + ": " + (a == null ? "(not set)" : a) + " in the checkpoint, " + (b == null ? "(not set)" : b) + " in this run");
            }
        }
        return out;
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

    /** Temporary folders and pointer files of writes that did not finish (a killed run). */
    private static void deleteLeftovers(Path dir) throws IOException {
        List<Path> leftovers;
        try (Stream<Path> st = Files.list(dir)) {
            leftovers = st.filter(p -> p.getFileName().toString().startsWith(TMP)).toList();
        }
        for (Path p : leftovers) deleteTree(p);
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException | RuntimeException e) {
            // the write already failed; the next save removes what is left
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> st = Files.walk(p)) {
            for (Path q : st.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
