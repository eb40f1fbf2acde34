package dev.erasure.sd;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;

/**
 * Reading helpers for diffusers {@code config.json} objects: a missing or JSON-null key takes the
 * diffusers default, and a value of the wrong kind is an error naming the config and the key.
 */
public final class ConfigJson {
    private final JsonObject json;
    private final String what;

    public ConfigJson(JsonObject json, String what) {
        if (json == null) throw new IllegalArgumentException(what + ": config is null");
        this.json = json;
        this.what = what;
    }

    public boolean isSet(String key) {
        return json.has(key) && !json.get(key).isJsonNull();
    }

    /** The key is present with the value null (in diffusers configs: "none", unlike an absent key: "the default"). */
    public boolean isExplicitNull(String key) {
        return json.has(key) && json.get(key).isJsonNull();
    }

    JsonElement raw(String key) {
        return isSet(key) ? json.get(key) : null;
    }

    public int integer(String key, int dflt) {
        if (!isSet(key)) return dflt;
        try {
            return json.get(key).getAsInt();
        } catch (RuntimeException e) {
            throw bad(key, "an integer");
        }
    }

    public double number(String key, double dflt) {
        if (!isSet(key)) return dflt;
        try {
            return json.get(key).getAsDouble();
        } catch (RuntimeException e) {
            throw bad(key, "a number");
        }
    }

    public boolean bool(String key, boolean dflt) {
        if (!isSet(key)) return dflt;
        JsonElement e = json.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw bad(key, "a boolean");
        return e.getAsBoolean();
    }

    public String string(String key, String dflt) {
        if (!isSet(key)) return dflt;
        JsonElement e = json.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw bad(key, "a string");
        return e.getAsString();
    }

    List<String> strings(String key, List<String> dflt) {
        if (!isSet(key)) return dflt;
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(key)) out.add(e.getAsString());
        return List.copyOf(out);
    }

    public int[] ints(String key, int[] dflt) {
        if (!isSet(key)) return dflt;
        JsonArray a = array(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** An int-or-list option expanded to one value per block (diffusers broadcasts ints). */
    int[] perBlock(String key, int blocks, int dflt) {
        if (!isSet(key)) return filled(blocks, dflt);
        JsonElement e = json.get(key);
        if (e.isJsonPrimitive()) return filled(blocks, integer(key, dflt));
        int[] out = ints(key, null);
        if (out.length != blocks) {
            throw new IllegalArgumentException(what + ": '" + key + "' has " + out.length
                    + " entries but there are " + blocks + " down blocks");
        }
        return out;
    }

    /** A bool-or-list option expanded to one value per block. */
    boolean[] perBlockBool(String key, int blocks, boolean dflt) {
        boolean[] out = new boolean[blocks];
        if (!isSet(key)) {
            Arrays.fill(out, dflt);
            return out;
        }
        JsonElement e = json.get(key);
        if (e.isJsonPrimitive()) {
            Arrays.fill(out, bool(key, dflt));
            return out;
        }
        JsonArray a = array(key);
        if (a.size() != blocks) throw bad(key, "a boolean or a list of " + blocks + " booleans");
        for (int i = 0; i < blocks; i++) out[i] = a.get(i).getAsBoolean();
        return out;
    }

    /** Rejects an option whose value differs from the only one this port implements. */
    void requireUnset(String key) {
        if (isSet(key)) throw unsupported(key, json.get(key).toString());
    }

    public IllegalArgumentException unsupported(String key, Object value) {
        return new IllegalArgumentException(what + ": option '" + key + "' = " + value + " is not supported");
    }

    private JsonArray array(String key) {
        JsonElement e = json.get(key);
        if (!e.isJsonArray()) throw bad(key, "a list");
        return e.getAsJsonArray();
    }

    private IllegalArgumentException bad(String key, String expected) {
        return new IllegalArgumentException(what + ": '" + key + "' = " + json.get(key) + " is not " + expected);
    }

    private static int[] filled(int n, int v) {
        int[] out = new int[n];
        Arrays.fill(out, v);
        return out;
    }
}
