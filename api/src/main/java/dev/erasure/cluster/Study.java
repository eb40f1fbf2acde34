package dev.erasure.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.erasure.Erasure;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.PromptSet;
import dev.erasure.core.Vocabulary;
import dev.erasure.eval.Protocol;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.sweep.Metric;
import dev.erasure.sweep.Sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A study as a JSON file, so that every array task (another JVM, another machine) rebuilds the same
 * sweep and protocol from it. Relative paths are resolved against the file's folder.
 * <pre>
 * {
 *   "model": "../models/shapeworld",
 *   "erasure": {"target": "star", "params": "xattn", "iterations": 4, "ddimGrid": 10, "learningRate": 1e-3, "seed": 1,
 *               "preserve": "none" | "neutral" | K, "vocabulary": ["circle", ...] | "english3000", "latentSize": 16},
 *   "grid": {"learningRate": [1e-3, 3e-3], "seed": [1, 2]},        // Sweep axes, first outermost
 *   "metrics": ["final_loss", "noise_cosine", "seconds"],
 *   "keep": ["circle", "square"],                                // concepts of noise_cosine
 *   "protocol": {"prompts": "prompts.csv" | "i2p" | "imagenette" | "artists" | "coco10k", "samplingSteps": 10, "size": 16, "limit": 100,
 *                "scheduler": "lms" | "ddim" | "euler"}                    // default: the model's own
 * }
 * </pre>
 * "grid" and "protocol" are each optional (at least one is needed). The older keys "steps" (for "iterations"),
 * "ddimSteps" (for "ddimGrid") and the protocol's "steps" (for "samplingSteps") are still read.
 */
public final class Study {
    private final Path file;
    private final JsonObject json;

    private Study(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    public static Study load(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new IllegalArgumentException("study " + file + " must be a JSON object");
            Study s = new Study(file.toAbsolutePath(), e.getAsJsonObject());
            if (!s.hasSweep() && !s.hasProtocol()) throw new IllegalArgumentException("study " + file + " has neither \"grid\" nor \"protocol\"");
            s.model();
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read study " + file + ": " + e.getMessage());
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("study " + file + " is not valid JSON: " + e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    public Path model() {
        return path(string(json, "model"));
    }

    public boolean hasSweep() {
        return json.has("grid");
    }

    public boolean hasProtocol() {
        return json.has("protocol");
    }

    /** The sweep on {@code sd} (the study's model), or null when the study has no grid. */
    public Sweep sweep(StableDiffusion sd) {
        if (!hasSweep()) return null;
        Sweep s = Sweep.over(base(sd));
        for (Map.Entry<String, JsonElement> axis : object(json, "grid").entrySet()) {
            if (!axis.getValue().isJsonArray()) throw bad("grid." + axis.getKey(), "a list of values");
            List<Object> values = new ArrayList<>();
            for (JsonElement v : axis.getValue().getAsJsonArray()) values.add(value(v, "grid." + axis.getKey()));
            s = s.grid(axis.getKey(), values.toArray());
        }
        List<Metric> metrics = new ArrayList<>();
        JsonArray ms = json.has("metrics") ? json.getAsJsonArray("metrics") : new JsonArray();
        for (JsonElement m : ms) metrics.add(metric(m.getAsString(), sd));
        return s.metrics(metrics.toArray(Metric[]::new));
    }

    private SchedulerType scheduler(String name) {
        for (SchedulerType t : SchedulerType.values()) if (t.name().equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("study " + file + ": unknown protocol scheduler '" + name + "' (lms, ddim or euler)");
    }

    /** The protocol, or null when the study has none. */
    public Protocol protocol() {
        if (!hasProtocol()) return null;
        JsonObject p = object(json, "protocol");
        String prompts = string(p, "prompts");
        PromptSet set = switch (prompts) {
            case "i2p" -> PromptSet.i2p();
            case "imagenette" -> PromptSet.imagenette();
            case "artists" -> PromptSet.artists();
            case "coco10k" -> PromptSet.coco10k();
            default -> prompts.endsWith(".txt") ? PromptSet.fromLines(path(prompts)) : PromptSet.fromCsv(path(prompts));
        };
        Protocol protocol = Protocol.of(set);
        if (p.has("samplingSteps")) protocol = protocol.samplingSteps(integer(p, "samplingSteps"));
        else if (p.has("steps")) protocol = protocol.samplingSteps(integer(p, "steps")); // the key of studies written before the rename
        if (p.has("size")) protocol = protocol.size(integer(p, "size"));
        if (p.has("limit")) protocol = protocol.limit(integer(p, "limit"));
        if (p.has("scheduler")) protocol = protocol.scheduler(scheduler(string(p, "scheduler")));
        return protocol;
    }

    private Erasure base(StableDiffusion sd) {
        Erasure e = Erasure.of(sd);
        JsonObject o = json.has("erasure") ? object(json, "erasure") : new JsonObject();
        for (Map.Entry<String, JsonElement> kv : o.entrySet()) {
            String k = "erasure." + kv.getKey();
            JsonElement v = kv.getValue();
            e = switch (kv.getKey()) {
                case "target" -> v.isJsonArray() ? e.targets(strings(v.getAsJsonArray())) : e.target(v.getAsString());
                case "params" -> e.train(Params.named(v.getAsString()));
                case "iterations", "steps" -> e.iterations(number(v, k).intValue());
                case "learningRate" -> e.learningRate(number(v, k).doubleValue());
                case "seed" -> e.seed(number(v, k).longValue());
                case "ddimGrid", "ddimSteps" -> e.ddimGrid(number(v, k).intValue());
                case "latentSize" -> e.latentSize(number(v, k).intValue());
                case "preserve" -> e.preserve(preserve(v, k));
                case "vocabulary" -> v.isJsonArray() ? e.vocabulary(Vocabulary.of(List.of(strings(v.getAsJsonArray()))))
                        : e.vocabulary(v.getAsString());
                default -> throw new IllegalArgumentException("study " + file + ": unknown setting '" + k
                        + "'; known: target, params, iterations (steps), learningRate, seed, ddimGrid (ddimSteps), latentSize, preserve, vocabulary");
            };
        }
        return e;
    }

    private Metric metric(String name, StableDiffusion sd) {
        return switch (name) {
            case "final_loss" -> Metric.finalLoss();
            case "seconds" -> Metric.seconds();
            case "noise_cosine" -> {
                if (!json.has("keep")) throw bad("keep", "the concepts of the noise_cosine metric");
                yield Metric.meanNoiseCosine(name, sd, List.of(strings(json.getAsJsonArray("keep"))));
            }
            default -> throw new IllegalArgumentException("study " + file + ": unknown metric '" + name
                    + "'; known: final_loss, noise_cosine, seconds");
        };
    }

    private Preserve preserve(JsonElement v, String key) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) return Preserve.adversarial(v.getAsInt());
        return switch (v.getAsString()) {
            case "none" -> Preserve.none();
            case "neutral" -> Preserve.neutral();
            default -> throw bad(key, "\"none\", \"neutral\" or K (adversarial)");
        };
    }

    /** A grid value: integers stay integers (ids read "iterations=2", not "iterations=2.0"), other numbers doubles. */
    private Object value(JsonElement v, String key) {
        if (!v.isJsonPrimitive()) throw bad(key, "numbers or strings");
        JsonPrimitive p = v.getAsJsonPrimitive();
        if (!p.isNumber()) return p.getAsString();
        return number(p, key);
    }

    private Number number(JsonElement v, String key) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) throw bad(key, "a number");
        String text = v.getAsString();
        if (text.matches("-?\\d+")) return Long.parseLong(text) == (int) Long.parseLong(text) ? (Number) Integer.parseInt(text) : (Number) Long.parseLong(text);
        return v.getAsDouble();
    }

    private int integer(JsonObject o, String key) {
        Number n = number(o.get(key), key);
        if (!(n instanceof Integer i)) throw bad(key, "an integer");
        return i;
    }

    private String string(JsonObject o, String key) {
        if (!o.has(key) || !o.get(key).isJsonPrimitive()) throw bad(key, "a string");
        return o.get(key).getAsString();
    }

    private JsonObject object(JsonObject o, String key) {
        if (!o.get(key).isJsonObject()) throw bad(key, "an object");
        return o.getAsJsonObject(key);
    }

    private static String[] strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) out.add(e.getAsString());
        return out.toArray(String[]::new);
    }

    private Path path(String p) {
        Path q = Path.of(p);
        return q.isAbsolute() ? q : file.getParent().resolve(q).normalize();
    }

    private IllegalArgumentException bad(String key, String what) {
        return new IllegalArgumentException("study " + file + ": '" + key + "' must be " + what);
    }
}
