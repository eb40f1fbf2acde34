package dev.erasure.sd.nn;

import java.util.Locale;

/**
 * Which implementation of the fused-able ops (group norm, SiLU, attention) {@link Nn} runs.
 * {@link #FUSED} calls libtorch's own kernels through {@link FusedOps} ({@code group_norm},
 * {@code silu}, {@code scaled_dot_product_attention}: flash / memory-efficient on
 * CUDA); {@link #COMPOSITE} builds them from the ops DJL exposes (docs/djl.md §1). Both give the same
 * numbers within float rounding (FusedOpsParityTest); composite is the fallback and the reference.
 * Chosen by {@code -Derasure.kernels=fused|composite} (default fused), read at each call so a test
 * can run both paths in one JVM.
 */
public enum Kernels {
    FUSED, COMPOSITE;

    public static final String PROPERTY = "erasure.kernels";

    /** The configured kernels; a clear error for a value other than fused/composite. */
    public static Kernels current() {
        String v = System.getProperty(PROPERTY, "fused");
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "fused":
                return FUSED;
            case "composite":
                return COMPOSITE;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": expected fused or composite");
        }
    }

    static boolean fused() {
        return current() == FUSED;
    }
}
