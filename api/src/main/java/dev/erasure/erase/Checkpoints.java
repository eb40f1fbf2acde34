package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import dev.erasure.io.AtomicFiles;
import dev.erasure.io.Records;
import dev.erasure.sd.Djl;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.train.LossScale;
import dev.erasure.train.Adam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
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
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final String LATEST = "latest";
    private static final String TMP = ".tmp-";

    /**
     * What state.json holds; {@code configuration} is the fingerprint by setting name plus the
     * method's own settings (null in checkpoints written before it existed).
     */
    /** @param lossScale S, finite steps since it changed, skipped steps (mixed precision; null in fp32 checkpoints) */
    record State(int iteration, long adamStep, long random, String fingerprint, Map<String, String> configuration,
                 String method, List<StepRecord> history, Integer threads, double[] lossScale) {
        /** θ updates done (the last record's step). */
        int stepsDone() {
            return history.isEmpty() ? 0 : history.get(history.size() - 1).step();
        }
    }

    /** The values of a configuration in the order the first checkpoints joined them into "fingerprint". */
    private static final List<String> FINGERPRINT_ORDER = List.of("targets", "preserve", "params", "learningRate", "seed",
            "vocabulary", "ddimSteps", "latentSize", "startGuidance", "negativeGuidance", "compat");

    private Checkpoints() {
    }

    public static void save(Path dir, int iteration, Session s, ErasureMethod m, List<? extends StepRecord> history) {
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
            Map<String, String> configuration = configuration(s.settings(), m.configuration());
            // declared as the interface, each record is written with its own class's fields (Gson's runtime type)
            State st = new State(iteration, s.adam().stepCount(), s.random().state(), fingerprint(configuration),
                    configuration, m.name(), List.copyOf(history), Djl.threads(), lossScale(s.lossScale()));
            AtomicFiles.writeString(tmp.resolve("state.json"), GSON.toJson(st));
            Path target = dir.resolve(name);
            if (Files.exists(target)) AtomicFiles.deleteTree(target);
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

    private static double[] lossScale(LossScale l) {
        return l.isDynamic() ? new double[] {l.scale(), l.goodSteps(), l.skipped()} : null;
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

    /**
     * Reads state.json of the newest checkpoint (cheap: used to validate before any compute), its
     * history as the method's own records ({@code records}; a record that is only a {@link StepRecord}
     * keeps the fields every method records).
     */
    static State readState(Path dir, Class<? extends StepRecord> records) {
        Path file = latest(dir).resolve("state.json");
        try {
            JsonObject o = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), JsonObject.class);
            List<StepRecord> history = GSON.fromJson(o.get("history"),
                    TypeToken.getParameterized(List.class, records).getType());
            Map<String, String> configuration = o.has("configuration")
                    ? GSON.fromJson(o.get("configuration"), new TypeToken<LinkedHashMap<String, String>>() { }.getType()) : null;
            return new State(o.get("iteration").getAsInt(), o.get("adamStep").getAsLong(), o.get("random").getAsLong(),
                    o.get("fingerprint").getAsString(), configuration, o.get("method").getAsString(), history,
                    o.has("threads") ? o.get("threads").getAsInt() : null,
                    o.has("lossScale") ? GSON.fromJson(o.get("lossScale"), double[].class) : null);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks (cheaply, before any compute) that {@code dir} holds a checkpoint these common settings
     * and the method's own ({@link ErasureMethod#configuration()}) can resume; the error names every
     * setting that differs.
     */
    public static void requireCompatible(Path dir, Settings settings, Map<String, String> method) {
        State st = readState(dir, StepRecord.Common.class);
        List<String> differences = differences(st, settings, method);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("checkpoint in " + dir + " was made with a different configuration:\n  "
                    + String.join("\n  ", differences));
        }
        if (st.stepsDone() > settings.iterations()) {
            throw new IllegalArgumentException("checkpoint in " + dir + " is at θ update " + st.stepsDone()
                    + ", beyond iterations(" + settings.iterations() + ")");
        }
    }

    /** Loads the newest checkpoint into the session and method; returns the iteration to continue at. */
    public static <R extends StepRecord> int restore(Path dir, Session s, ErasureMethod<R> m, List<R> history) {
        requireCompatible(dir, s.settings(), m.configuration());
        State st = readState(dir, m.recordType());
        Path ckpt = latest(dir);
        try (NDManager tmp = s.manager().newSubManager()) {
            s.theta().load(Safetensors.load(ckpt.resolve("trainable.safetensors"), tmp), ckpt.toString());
            s.adam().restore(Safetensors.load(ckpt.resolve("optimizer.safetensors"), tmp), st.adamStep());
            Path method = ckpt.resolve("method.safetensors");
            if (Files.exists(method)) m.restore(Safetensors.load(method, tmp));
        }
        s.restoreRandom(st.random());
        if (st.lossScale() != null) s.lossScale().restore((float) st.lossScale()[0], (int) st.lossScale()[1], (long) st.lossScale()[2]);
        if (st.threads() != null && st.threads() != Djl.threads()) {
            System.err.println("warning: checkpoint " + ckpt + " was written with " + st.threads() + " libtorch threads, this run has "
                    + Djl.threads() + ": the resumed weights will differ in the last bits from an uninterrupted run"
                    + " (set -Dai.djl.pytorch.num_threads=" + st.threads() + " to match)");
        }
        for (StepRecord r : st.history()) history.add(m.recordType().cast(r));
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

    /**
     * A method record's settings for {@link ErasureMethod#configuration()}, derived from its
     * components (a list by its size and hash, so a long prompt list stays one short line).
     */
    static Map<String, String> methodConfiguration(String method, Record options) {
        List<Object> namesAndValues = new ArrayList<>();
        Records.components(options).forEach((name, v) -> {
            namesAndValues.add(name);
            namesAndValues.add(v instanceof List<?> l ? l.size() + " items, hash " + Integer.toHexString(l.hashCode()) : v);
        });
        return methodConfiguration(method, namesAndValues.toArray());
    }

    /** The configuration's values joined in the first checkpoints' order (state.json "fingerprint"). */
    private static String fingerprint(Map<String, String> configuration) {
        List<String> values = new ArrayList<>();
        for (String name : FINGERPRINT_ORDER) if (configuration.containsKey(name)) values.add(configuration.get(name));
        return String.join(";", values);
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
            String current = fingerprint(configuration(settings, method));
            boolean same = !method.containsKey("method") && st.fingerprint().equals(current);
            return same ? List.of() : List.of("fingerprint: " + st.fingerprint() + " in the checkpoint, "
                    + current + " in this run");
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
            if (!ckpts.get(i).getFileName().toString().equals(newest)) AtomicFiles.deleteTree(ckpts.get(i));
        }
    }

    /** Temporary folders and pointer files of writes that did not finish (a killed run). */
    private static void deleteLeftovers(Path dir) throws IOException {
        List<Path> leftovers;
        try (Stream<Path> st = Files.list(dir)) {
            leftovers = st.filter(p -> p.getFileName().toString().startsWith(TMP)).toList();
        }
        for (Path p : leftovers) AtomicFiles.deleteTree(p);
    }

    private static void deleteQuietly(Path p) {
        try {
            AtomicFiles.deleteTree(p);
        } catch (IOException | RuntimeException e) {
            // the write already failed; the next save removes what is left
        }
    }
}
