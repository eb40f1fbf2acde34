package dev.erasure.sd.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Says what a model path is and where its parts are. {@link #open} detects the layout:
 * <ul>
 * <li>{@link Layout#DIFFUSERS_FOLDER}: a folder with {@code model_index.json} or {@code unet/config.json};
 *     {@link #component} then gives a component's {@code config.json} and its weight files
 *     ({@code <base>.safetensors}, else the {@code .fp16.safetensors} variant, else the shards listed by
 *     {@code <base>[.fp16].safetensors.index.json}), and {@link #loadWeights} loads them.</li>
 * <li>{@link Layout#SINGLE_FILE}: a {@code .safetensors} file, to be read with {@link SingleFileCheckpoint}.</li>
 * </ul>
 * Anything else is a {@link WeightException} that names the path and what was expected there.
 * Typical use (StableDiffusion.load): {@code open(p)}; if single file, {@code SingleFileCheckpoint.load};
 * else {@code loadWeights(component("unet"), ...)} etc., {@code schedulerConfig()}, {@code tokenizerDir()}.
 */
public final class ModelFolder {
    public enum Layout { DIFFUSERS_FOLDER, SINGLE_FILE }

    /** One diffusers component: its folder, parsed config.json and the weight files that hold its tensors. */
    public record Component(String name, Path folder, JsonObject config, List<Path> weightFiles) {
    }

    private final Path path;
    private final Layout layout;

    private ModelFolder(Path path, Layout layout) {
        this.path = path;
        this.layout = layout;
    }

    public static ModelFolder open(Path path) {
        if (!Files.exists(path)) throw new WeightException("model path not found: " + path);
        if (Files.isRegularFile(path)) {
            SingleFileCheckpoint.refusePickle(path);
            if (!path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
                throw new WeightException(path + " is neither a diffusers model folder nor a .safetensors checkpoint");
            }
            return new ModelFolder(path, Layout.SINGLE_FILE);
        }
        if (Files.isRegularFile(path.resolve("model_index.json")) || Files.isRegularFile(path.resolve("unet/config.json"))) {
            return new ModelFolder(path, Layout.DIFFUSERS_FOLDER);
        }
        List<String> singles = list(path, ".safetensors");
        throw new WeightException(path + " is not a diffusers model folder: it has neither model_index.json nor "
                + "unet/config.json" + (singles.isEmpty() ? "" : "; to load the single-file checkpoint "
                + singles.get(0) + " in it, pass that file itself"));
    }

    public Path path() {
        return path;
    }

    public Layout layout() {
        return layout;
    }

    /** Whether the folder has this component (a {@code config.json} in its subfolder). */
    public boolean has(String name) {
        return layout == Layout.DIFFUSERS_FOLDER && Files.isRegularFile(path.resolve(name).resolve("config.json"));
    }

    /** A component ("unet", "vae", "text_encoder"): config and weight files, or an error naming what is missing. */
    public Component component(String name) {
        requireFolder();
        Path dir = path.resolve(name);
        if (!Files.isDirectory(dir)) throw new WeightException("model folder " + path + " has no component folder " + dir);
        JsonObject config = json(dir.resolve("config.json"));
        String base = "text_encoder".equals(name) || Files.isRegularFile(dir.resolve("model.safetensors"))
                || Files.isRegularFile(dir.resolve("model.safetensors.index.json")) ? "model" : "diffusion_pytorch_model";
        return new Component(name, dir, config, weightFiles(dir, base));
    }

    /** {@code scheduler/scheduler_config.json}. */
    public JsonObject schedulerConfig() {
        requireFolder();
        return json(path.resolve("scheduler").resolve("scheduler_config.json"));
    }

    /** {@code tokenizer/} (vocab.json, merges.txt, ...), or an error if the folder lacks it. */
    public Path tokenizerDir() {
        requireFolder();
        Path dir = path.resolve("tokenizer");
        if (!Files.isRegularFile(dir.resolve("vocab.json"))) {
            throw new WeightException("model folder " + path + " has no tokenizer: expected " + dir.resolve("vocab.json"));
        }
        return dir;
    }

    /**
     * Loads all tensors of a component (every shard), memory-mapped (read-only: duplicate before
     * in-place updates). With {@code floatType} non-null, floating tensors are converted (e.g. an fp16
     * variant to FLOAT32). For a sharded component, every key of the index must be in its shard.
     */
    public static Map<String, NDArray> loadWeights(Component c, NDManager manager, DataType floatType) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Path f : c.weightFiles()) {
            for (Map.Entry<String, NDArray> e : Safetensors.load(f, manager, k -> true, floatType).entrySet()) {
                if (out.put(e.getKey(), e.getValue()) != null) {
                    throw new WeightException("key '" + e.getKey() + "' appears in more than one shard of " + c.folder()
                            + " (again in " + f + ")");
                }
            }
        }
        return out;
    }

    private static List<Path> weightFiles(Path dir, String base) {
        for (String variant : new String[] {"", ".fp16"}) {
            Path single = dir.resolve(base + variant + ".safetensors");
            if (Files.isRegularFile(single)) return List.of(single);
            Path index = dir.resolve(base + variant + ".safetensors.index.json");
            if (Files.isRegularFile(index)) return shards(index);
        }
        Path expected = dir.resolve(base + ".safetensors");
        List<String> pickles = list(dir, ".bin");
        if (!pickles.isEmpty()) {
            throw new WeightException("missing " + expected + ": " + dir + " only has the PyTorch pickle " + pickles.get(0)
                    + ", which is not loaded (unpickling can run arbitrary code). Convert it to safetensors, e.g.\n"
                    + SingleFileCheckpoint.PICKLE_ADVICE.replace("model.ckpt", pickles.get(0))
                    .replace("'model.safetensors'", "'" + base + ".safetensors'"));
        }
        throw new WeightException("missing weight file " + expected + " (nor " + base + ".fp16.safetensors or a "
                + base + ".safetensors.index.json beside it)");
    }

    /** The distinct shard files named by a diffusers/transformers {@code *.safetensors.index.json}, in order. */
    private static List<Path> shards(Path index) {
        JsonObject o = json(index);
        JsonElement map = o.get("weight_map");
        if (map == null || !map.isJsonObject()) throw new WeightException(index + " has no \"weight_map\" object");
        Map<Path, Set<String>> keysByShard = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            Path shard = index.resolveSibling(e.getValue().getAsString()).normalize();
            if (!shard.startsWith(index.getParent().normalize())) {
                throw new WeightException(index + " maps '" + e.getKey() + "' to a file outside its folder: " + shard);
            }
            if (!Files.isRegularFile(shard)) {
                throw new WeightException(index + " maps '" + e.getKey() + "' to the missing shard " + shard);
            }
            Set<String> keys = keysByShard.computeIfAbsent(shard, sh -> Safetensors.header(sh).byName().keySet());
            if (!keys.contains(e.getKey())) {
                throw new WeightException(index + " maps '" + e.getKey() + "' to " + shard + ", which lacks it");
            }
        }
        return new ArrayList<>(keysByShard.keySet());
    }

    private void requireFolder() {
        if (layout != Layout.DIFFUSERS_FOLDER) {
            throw new WeightException(path + " is a single-file checkpoint; read it with SingleFileCheckpoint.load");
        }
    }

    static JsonObject json(Path file) {
        if (!Files.isRegularFile(file)) throw new WeightException("missing " + file);
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new WeightException(file + " is not a JSON object");
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new WeightException(file + " is not valid JSON: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WeightException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.toLowerCase(Locale.ROOT).endsWith(suffix))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new WeightException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
