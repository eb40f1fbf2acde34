package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for state-dict style maps of parameters. */
public final class Tensors {
    private Tensors() {
    }

    /** Overwrites {@code target} in place with {@code source}'s values (shapes must match). */
    public static void copyInto(NDArray source, NDArray target) {
        if (!source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("shape mismatch for '" + target.getName() + "': saved " + source.getShape()
                    + ", model " + target.getShape());
        }
        target.set(source.toType(target.getDataType(), false).toFloatArray());
    }

    /** Writable float32 copies in {@code manager} (e.g. of memory-mapped, read-only tensors). */
    public static Map<String, NDArray> copies(Map<String, NDArray> tensors, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, a) -> {
            NDArray c = manager.create(a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), a.getShape());
            c.setName(k);
            out.put(k, c);
        });
        return out;
    }
}
