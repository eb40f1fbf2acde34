package dev.erasure.eval.paper;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.erasure.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A protocol folder's {@code protocol.json}: which protocol made it, every setting a number depends on, the
 * models (weight files and tensors, by SHA-256) and judges it ran, the library versions and the results.
 * Written atomically at the start of a run and again at its end. A folder of another protocol, or one whose
 * settings differ, or where a model of the same name ran with other weights, is refused: its images would
 * be mixed into numbers they do not belong to.
 */
final class ProtocolRecord {
    static final String FILE = "protocol.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private final Path file;
    private final JsonObject json;

    private ProtocolRecord(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    /** Opens (or starts) the record of {@code folder}, checking that it belongs to this protocol with these settings. */
    static ProtocolRecord open(Path folder, String protocol, String reference, Map<String, Object> settings) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
        Path file = folder.resolve(FILE);
        JsonElement wanted = tree(settings);
        JsonObject json;
        if (Files.isRegularFile(file)) {
            json = read(file);
            String was = json.has("protocol") ? json.get("protocol").getAsString() : "?";
            if (!was.equals(protocol)) {
                throw new IllegalArgumentException(file + " belongs to the " + was + " protocol, not " + protocol
                        + ": use another --out folder");
            }
            JsonObject had = json.getAsJsonObject("settings");
            if (!wanted.equals(had)) {
                throw new IllegalArgumentException(file + ": this folder was made with other settings (" + difference(had,
                        wanted.getAsJsonObject()) + "): use another folder, or the settings it records");
            }
        } else {
            json = new JsonObject();
            json.addProperty("protocol", protocol);
            json.addProperty("reference", reference);
            json.add("settings", wanted);
            json.add("models", new JsonObject());
            json.add("judges", new JsonObject());
        }
        return new ProtocolRecord(file, json);
    }

    /** Records a model run into subfolder {@code name}; the same name with other tensors is refused. */
    void model(String name, Map<String, Object> pin) {
        JsonObject models = json.getAsJsonObject("models");
        JsonElement now = tree(pin);
        JsonObject before = models.has(name) ? models.getAsJsonObject(name) : null;
        for (String key : now.getAsJsonObject().keySet()) {
            if (!key.endsWith(Pins.TENSORS)) continue;
            if (before != null && before.has(key) && !before.get(key).equals(now.getAsJsonObject().get(key))) {
                throw new IllegalArgumentException(file + ": the model '" + name + "' of this folder ran with other weights ("
                        + key + " " + before.get(key).getAsString() + ", now " + now.getAsJsonObject().get(key).getAsString()
                        + "): give this model another name, or use another folder");
            }
        }
        models.add(name, now);
    }

    void judge(String name, Map<String, Object> pin) {
        json.getAsJsonObject("judges").add(name, tree(pin));
    }

    void put(String key, Object value) {
        json.add(key, tree(value));
    }

    /** The names of the models recorded so far, in order. */
    List<String> models() {
        return List.copyOf(json.getAsJsonObject("models").keySet());
    }

    void write(boolean complete) {
        json.add("libraries", tree(Pins.libraries()));
        json.addProperty("complete", complete);
        json.addProperty("written", Instant.now().toString());
        try {
            AtomicFiles.writeString(file, GSON.toJson(json) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    Path file() {
        return file;
    }

    private static JsonElement tree(Object value) {
        return JsonParser.parseString(GSON.toJson(value)); // through text, so numbers compare as a re-read file's do
    }

    private static JsonObject read(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not a protocol record (" + e.getMessage() + "): move it away or use another folder");
        }
    }

    private static String difference(JsonObject had, JsonObject wanted) {
        if (had == null) return "it records none";
        StringBuilder b = new StringBuilder();
        for (String k : wanted.keySet()) {
            if (!wanted.get(k).equals(had.get(k))) {
                if (b.length() > 0) b.append("; ");
                b.append(k).append(": recorded ").append(had.get(k)).append(", asked ").append(wanted.get(k));
            }
        }
        for (String k : had.keySet()) if (!wanted.has(k)) b.append(b.length() > 0 ? "; " : "").append(k).append(" recorded, not asked");
        return b.toString();
    }
}
