package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Tensor helpers the engine needs beyond DJL. */
final class Tensors {
    private Tensors() {
    }

    /**
     * Copies {@code src}'s values into {@code target}'s own storage (grad mode must be off).
     * Not {@code target.set(src.toByteBuffer())}: on CPU that makes {@code target} alias the
     * buffer's memory, which is freed (or unmapped) once {@code src} is closed and collected — the
     * trained weights then silently turn into garbage at the next garbage collection.
     */
    /**
     * A copy in storage that torch owns (fresh zeros, then an index-put copy). Not
     * {@code NDArray.duplicate()}: DJL 0.32 implements it as create + {@code set(toByteBuffer())},
     * which leaves the copy backed by a Java direct buffer that the garbage collector can free
     * under it (weights turned to NaN under memory pressure). Not {@code toType(sameType, true)}
     * either: DJL ignores the copy flag, so the "copy" aliases the (read-only, memory-mapped)
     * original and the first in-place update SIGSEGVs.
     */
    static NDArray copyOf(NDArray src) {
        NDArray c = src.getManager().zeros(src.getShape(), src.getDataType(), src.getDevice());
        copyInto(c, src);
        return c;
    }

    static void copyInto(NDArray target, NDArray src) {
        if (!target.getShape().equals(src.getShape())) {
            throw new IllegalArgumentException("cannot copy shape " + src.getShape() + " into " + target.getShape());
        }
        target.set(new NDIndex("..."), src.toType(target.getDataType(), false));
    }
}
