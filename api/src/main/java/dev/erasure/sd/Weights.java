package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.WeightException;
import dev.erasure.sd.nn.Nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tensors by the checkpoint's own key names ({@code down_blocks.0.resnets.0.conv1.weight}), seen
 * through an optional prefix so a module reads its weights by local name. Modules look weights up
 * at forward time, so an {@link #overlay} (e.g. trainable copies of a subset) changes what the
 * same module code computes without copying the frozen rest.
 */
public final class Weights {
    private final Map<String, NDArray> tensors;
    private final String prefix;
    private final String source;
    private final Set<String> castAtUse; // full keys read as castType (fp32 master weights under an fp16 model)
    private final DataType castType;

    /** @param source where the tensors came from (a file or folder), used in error messages */
    public Weights(Map<String, NDArray> tensors, String source) {
        this(Collections.unmodifiableMap(new LinkedHashMap<>(tensors)), "", source, Set.of(), null);
    }

    private Weights(Map<String, NDArray> tensors, String prefix, String source, Set<String> castAtUse, DataType castType) {
        this.tensors = tensors;
        this.prefix = prefix;
        this.source = source;
        this.castAtUse = castAtUse;
        this.castType = castType;
    }

    /** The view of the weights under {@code name.} (e.g. {@code sub("down_blocks.0")}). */
    public Weights sub(String name) {
        return new Weights(tensors, prefix + name + ".", source, castAtUse, castType);
    }

    /**
     * The tensor under this view's prefix + key; a clear error naming file and key if absent. A tensor
     * of a {@link #overlay(Map, DataType) cast overlay} is cast at every read (a new tensor each time,
     * recorded by autograd, so the gradient reaches the stored master).
     */
    public NDArray get(String key) {
        NDArray a = tensors.get(prefix + key);
        if (a == null) {
            throw new WeightException("missing weight '" + prefix + key + "' in " + source);
        }
        return castAtUse.contains(prefix + key) ? Nn.cast(a, castType) : a;
    }

    /** Like {@link #get} but also checks the shape, naming file, key and both shapes on mismatch. */
    public NDArray get(String key, Shape expected) {
        NDArray a = get(key);
        if (!a.getShape().equals(expected)) {
            throw new WeightException("weight '" + prefix + key + "' in " + source + " has shape "
                    + a.getShape() + ", expected " + expected);
        }
        return a;
    }

    /**
     * The tensor under key, checked to have {@code size} along {@code axis} (what the input or a
     * sibling weight requires); a mismatch names the file, the key and both shapes.
     */
    public NDArray get(String key, int axis, long size) {
        NDArray a = get(key);
        Shape s = a.getShape();
        if (s.dimension() <= axis || s.get(axis) != size) {
            throw new WeightException("weight '" + prefix + key + "' in " + source + " has shape " + s
                    + " but the model needs size " + size + " along axis " + axis
                    + " (wrong checkpoint for this config, or a corrupt file)");
        }
        return a;
    }

    public Optional<NDArray> find(String key) {
        return has(key) ? Optional.of(get(key)) : Optional.empty();
    }

    public boolean has(String key) {
        return tensors.containsKey(prefix + key);
    }

    /** Full key names (with the whole prefix) under this view, sorted. */
    public Set<String> keys() {
        Set<String> out = new TreeSet<>();
        for (String k : tensors.keySet()) if (k.startsWith(prefix)) out.add(k);
        return out;
    }

    /** All tensors by full key as stored (a cast overlay's masters in their own type), read-only. */
    public Map<String, NDArray> asMap() {
        return tensors;
    }

    public String prefix() {
        return prefix;
    }

    public String source() {
        return source;
    }

    /**
     * A new root view where {@code replacements} (full keys) take the place of the tensors with the
     * same names; everything else is shared with this one. Unknown keys are rejected.
     */
    public Weights overlay(Map<String, NDArray> replacements) {
        return overlay(replacements, null);
    }

    /**
     * Like {@link #overlay(Map)}, but every replacement whose type is not {@code readAs} is read as
     * {@code readAs}: fp32 master weights trained under an fp16 model are cast at use (mixed
     * precision), so the module code sees one dtype. {@code readAs} null: read as stored.
     */
    public Weights overlay(Map<String, NDArray> replacements, DataType readAs) {
        Map<String, NDArray> merged = new LinkedHashMap<>(tensors);
        Set<String> cast = new TreeSet<>(castAtUse);
        for (Map.Entry<String, NDArray> e : replacements.entrySet()) {
            if (!tensors.containsKey(e.getKey())) {
                throw new WeightException("cannot replace unknown weight '" + e.getKey() + "' of " + source);
            }
            merged.put(e.getKey(), e.getValue());
            cast.remove(e.getKey());
            if (readAs != null && e.getValue().getDataType() != readAs) cast.add(e.getKey());
        }
        if (!cast.isEmpty() && castType != null && readAs != null && castType != readAs) {
            throw new IllegalArgumentException("one overlay reads every cast tensor as one type: " + castType + " or " + readAs);
        }
        return new Weights(Collections.unmodifiableMap(merged), prefix, source, Collections.unmodifiableSet(cast),
                cast.isEmpty() ? null : readAs != null ? readAs : castType);
    }
}
