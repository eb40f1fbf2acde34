package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/** Tensor copies that survive DJL 0.32's buffer handling; shared by every trainer and optimiser. */
public final class Tensors {
    private Tensors() {
    }

    /**
     * A copy in storage that torch owns (fresh zeros, then an index-put copy). Not
     * {@code NDArray.duplicate()}: DJL 0.32 implements it as create + {@code set(toByteBuffer())},
     * which leaves the copy backed by a Java direct buffer that the garbage collector can free
     * under it (weights turned to NaN under memory pressure). Not {@code toType(sameType, true)}
     * either: DJL ignores the copy flag, so the "copy" aliases the (read-only, memory-mapped)
     * original and the first in-place update SIGSEGVs.
     */
    public static NDArray copyOf(NDArray src) {
        NDArray c = src.getManager().zeros(src.getShape(), src.getDataType(), src.getDevice());
        copyInto(c, src);
        return c;
    }

    /**
     * Copies {@code src}'s values into {@code target}'s own storage, converting the dtype (grad
     * mode must be off). Not {@code target.set(src.toByteBuffer())}: on CPU that makes
     * {@code target} alias the buffer's memory, which is freed (or unmapped) once {@code src} is
     * closed and collected.
     */
    public static void copyInto(NDArray target, NDArray src) {
        if (!target.getShape().equals(src.getShape())) {
            throw new IllegalArgumentException("cannot copy shape " + src.getShape() + " into '" + target.getName()
                    + "' of shape " + target.getShape());
        }
        target.set(new NDIndex("..."), src.toType(target.getDataType(), false));
    }

    /** Writable float32 copies in {@code manager} (e.g. of memory-mapped, read-only tensors). */
    public static Map<String, NDArray> copies(Map<String, NDArray> tensors, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, a) -> {
            NDArray c = manager.create(a.toType(DataType.FLOAT32, false).toFloatArray(), a.getShape());
            c.setName(k);
            out.put(k, c);
        });
        return out;
    }
}
