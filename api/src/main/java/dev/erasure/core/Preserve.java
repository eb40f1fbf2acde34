package dev.erasure.core;

import dev.erasure.io.Finite;
import dev.erasure.io.Records;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an erasure keeps: nothing (plain ESD), fixed concepts (ESD + preservation, methods.md
 * §2.6), adversarially chosen concepts (EAP, §2.1–2.3) or a continuous adversarial embedding
 * (the PGD ablation, §2.5). Defaults are the values of the official run scripts.
 */
public sealed interface Preserve permits Preserve.None, Preserve.Fixed, Preserve.Adversarial, Preserve.Continuous {

    /** Plain ESD (§1.1): no preservation term. */
    static Preserve none() {
        return new None();
    }

    /** ESD + preservation of the neutral (empty) prompt: r = "" (§2.6 with no words). */
    static Preserve neutral() {
        return new Fixed(List.of());
    }

    /** ESD + preservation of fixed words (§2.6): r drawn uniformly from {words…, ""} every step. */
    static Preserve concepts(String... words) {
        if (words.length == 0) throw new IllegalArgumentException("concepts(...) needs at least one word; use neutral() for the empty prompt");
        return new Fixed(List.of(words));
    }

    /**
     * EAP with K candidate concepts (K = 100 objects/artists, 50 nudity) and the scripts'
     * settings: k_closest 1000, Gumbel lr 1e-2 (Adam), τ = 2, hard samples, P = 2, x0-space losses.
     */
    static Adversarial adversarial(int k) {
        return new Adversarial(k, 1000, 1e-2, 2.0, true, 2, LossSpace.X0);
    }

    /**
     * Where EAP's two MSEs are taken (methods.md §9.7). The official code compares predicted x0,
     * X(z, ε) = (z − √(1−a)·ε)/√a, which is the ε-space MSE re-weighted by (1−ᾱ)/ᾱ of the sampled grid
     * step: on SD-1.4 0.0017 … 172, so training leans on the noisiest steps. {@link #EPSILON} takes the
     * same losses on the noise predictions (weight 1 at every step, as ESD's).
     */
    enum LossSpace {
        /** Predicted-x0 MSEs, as the official code (the default). */
        X0,
        /** ε-space MSEs: L_erase = MSE(ε_e, ε*_∅ − η(ε*_e − ε*_∅)), L_pres = MSE(ε_r, ε*_r). */
        EPSILON
    }

    /** The continuous (PGD) adversary of §2.5: 100 ascent steps, lr 1e-5, preservation weight 0.01. */
    static Continuous continuous() {
        return new Continuous(100, 1e-5, 0.01);
    }

    record None() implements Preserve {
    }

    /** @param words fixed preserved words (the empty prompt is always added) */
    record Fixed(List<String> words) implements Preserve {
        public Fixed {
            words = List.copyOf(words);
        }

        /** The words r is drawn from: the given ones then "". */
        public List<String> pool() {
            List<String> out = new ArrayList<>(words);
            out.add("");
            return out;
        }
    }

    /**
     * @param k           gumbel_num_centers K (per erased concept)
     * @param kClosest    gumbel_k_closest: the nearest words K-means clusters
     * @param learningRate gumbel_lr (Adam on π)
     * @param temperature gumbel_temp τ
     * @param hard        gumbel_hard (straight-through one-hot)
     * @param pgdSteps    pgd_num_steps P: θ and π alternate 1:(P−1)
     * @param lossSpace   where the erase and preservation MSEs are taken (official: {@link LossSpace#X0})
     */
    record Adversarial(int k, int kClosest, double learningRate, double temperature, boolean hard, int pgdSteps,
                       LossSpace lossSpace) implements Preserve {
        public Adversarial {
            Objects.requireNonNull(lossSpace, "lossSpace");
        }

        public Adversarial kClosest(int n) {
            return Records.with(this, "kClosest", n);
        }

        public Adversarial learningRate(double lr) {
            Finite.require("adversarial learningRate", lr);
            return Records.with(this, "learningRate", lr);
        }

        public Adversarial temperature(double tau) {
            Finite.require("adversarial temperature", tau);
            return Records.with(this, "temperature", tau);
        }

        public Adversarial soft() {
            return Records.with(this, "hard", false);
        }

        public Adversarial pgdSteps(int p) {
            return Records.with(this, "pgdSteps", p);
        }

        /** The space of the two MSEs (default {@link LossSpace#X0}, the official code's). */
        public Adversarial lossSpace(LossSpace space) {
            return Records.with(this, "lossSpace", space);
        }
    }

    /**
     * @param pgdSteps ascent steps per iteration (pgd_num_steps, default 100)
     * @param pgdLr    normalised step size (1e-5)
     * @param weight   weight of the preservation term in the model loss (erase_w_prompt 0.01)
     */
    record Continuous(int pgdSteps, double pgdLr, double weight) implements Preserve {
        public Continuous pgdSteps(int n) {
            return Records.with(this, "pgdSteps", n);
        }

        public Continuous pgdLr(double lr) {
            Finite.require("continuous pgdLr", lr);
            return Records.with(this, "pgdLr", lr);
        }
    }
}
