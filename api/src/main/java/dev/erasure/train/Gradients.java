package dev.erasure.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.nn.Checkpointing;

import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gradient collection for every trainer of the project, and accumulated gradients as resumable state.
 */
public final class Gradients {
    /**
     * DJL allows one {@code GradientCollector} per JVM at a time (a static flag, docs/djl.md): a second
     * erasure on another thread failed with "A PtGradientCollector is already collecting". Collectors
     * made by {@link #collector()} hold this fair lock from open to close, so concurrent trainings take
     * turns one forward/backward at a time; each stays bit-identical to a run alone (grad mode is per
     * thread, and the optimiser steps, outside any collector, touch only their own tensors).
     */
    private static final ReentrantLock COLLECTING = new ReentrantLock(true);

    private Gradients() {
    }

    /**
     * The global L2 norm of the parameters' gradients (torch's {@code clip_grad_norm_} total norm), squares summed
     * in double; each tensor's square is freed at once, not held for the whole sum (a scope around the loop kept
     * one trained-size copy per tensor).
     */
    public static double norm(Collection<NDArray> params) {
        double sq = 0;
        for (NDArray p : params) {
            try (NDScope one = new NDScope()) {
                sq += p.getGradient().square().sum().getFloat();
            }
        }
        return Math.sqrt(sq);
    }

    /**
     * A gradient collector (grad mode on for this thread until closed) that waits for another
     * thread's to close first. Use it in try-with-resources, on the thread that opened it.
     */
    public static GradientCollector collector() {
        COLLECTING.lock();
        try {
            GradientCollector inner = Engine.getInstance().newGradientCollector();
            return new GradientCollector() {
                @Override
                public void backward(NDArray target) {
                    if (Checkpointing.pending()) Checkpointing.backward(target);
                    else inner.backward(target);
                }

                @Override
                public void zeroGradients() {
                    inner.zeroGradients();
                }

                @Override
                public void close() {
                    try {
                        Checkpointing.clear();
                        inner.close();
                    } finally {
                        COLLECTING.unlock();
                    }
                }
            };
        } catch (RuntimeException | Error e) {
            COLLECTING.unlock();
            throw e;
        }
    }

    /**
     * Accumulated gradients as resumable state (the official AdvAnchor never zeroes θ's and δ's
     * gradients, so a checkpoint must carry the running sum): sets {@code p}'s gradient to exactly {@code g} (grad mode off, outside any collector). DJL's
     * {@code getGradient()} aliases torch's {@code .grad} only once a backward has defined it (before,
     * it returns detached zeros), so one backward of Σp defines it first; the copy then overwrites it.
     */
    public static void set(NDArray p, NDArray g) {
        try (NDScope scope = new NDScope()) {
            try (GradientCollector gc = collector()) {
                gc.backward(p.sum());
            }
            Tensors.copyInto(p.getGradient(), g);
        }
    }
}
