package dev.erasure.sd;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.function.Function;

/**
 * Typed reads from a diffusers/transformers config.json where a missing key or JSON null means
 * "the library default" (configs written by older versions omit newer keys).
 */
public final class ConfigJson {
    private ConfigJson() {
    }

    public static int integer(JsonObject c, String key, int fallback) {
        return read(c, key, fallback, JsonElement::getAsInt);
    }

    public static double number(JsonObject c, String key, double fallback) {
        return read(c, key, fallback, JsonElement::getAsDouble);
    }

    public static boolean bool(JsonObject c, String key, boolean fallback) {
        return read(c, key, fallback, JsonElement::getAsBoolean);
    }

    public static String string(JsonObject c, String key, String fallback) {
        return read(c, key, fallback, JsonElement::getAsString);
    }

    /** The value under key, or fallback when absent/null; a wrongly typed value names the key. */
    private static <T> T read(JsonObject c, String key, T fallback, Function<JsonElement, T> as) {
        JsonElement e = c.get(key);
        if (e == null || e.isJsonNull()) return fallback;
        try {
            return as.apply(e);
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("config key '" + key + "' has an unexpected value " + e, bad);
        }
    }
}
