package dev.erasure.sweep;

import dev.erasure.Erasure;
import dev.erasure.core.Params;
import dev.erasure.erase.Method;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One point of a sweep: the erasure to run and the parameter values that name it. The id is built
 * from those values only ("learningRate=0.001;iterations=4"), so it is stable across JVMs and is the key
 * a resumed sweep uses to skip finished configurations.
 *
 * @param params parameter name → value label, in sweep order
 * @param erasure the configured erasure
 */
public record Configuration(Map<String, String> params, Erasure erasure) {
    public Configuration {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        Objects.requireNonNull(erasure, "erasure");
        for (String k : params.keySet()) {
            if (k.isEmpty() || k.contains("=") || k.contains(";")) throw new IllegalArgumentException("bad parameter name '" + k + "'");
        }
    }

    /**
     * A configuration given explicitly, e.g. {@code Configuration.of(base.iterations(8), Map.of("iterations", 8))}.
     * The id follows the map's order when it has one (LinkedHashMap, SortedMap); other maps (Map.of
     * iterates in a per-JVM random order) are taken in key order, so that the id stays the same on
     * a rerun and a resumed sweep still recognises the configuration.
     */
    public static Configuration of(Erasure erasure, Map<String, ?> params) {
        Map<String, ?> ordered = params instanceof LinkedHashMap || params instanceof SortedMap ? params : new TreeMap<>(params);
        Map<String, String> labels = new LinkedHashMap<>();
        ordered.forEach((k, v) -> labels.put(k, label(v)));
        return new Configuration(labels, erasure);
    }

    public String id() {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(";"));
    }

    /** A value as its table cell: Params and Methods by name, numbers and the rest by toString. */
    static String label(Object v) {
        if (v instanceof Params p) return p.name();
        if (v instanceof Method m) return m.name();
        return String.valueOf(v);
    }
}
