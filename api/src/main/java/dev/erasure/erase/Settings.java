package dev.erasure.erase;

import dev.erasure.io.Records;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated erasure configuration (built by {@code Erasure}); defaults are the official code's.
 *
 * @param steps            θ updates (ESD/EAP {@code iterations}, 1000)
 * @param ddimSteps        GenLatent grid size N (50)
 * @param latentSize       latent height = width (64 for 512×512 SD-1.4)
 * @param startGuidance    CFG scale of GenLatent (3)
 * @param negativeGuidance η of the ESD target (1)
 * @param checkpointEvery  θ steps between checkpoints (0 = none)
 */
public record Settings(List<String> targets, Preserve preserve, Params params, int steps, double learningRate,
                       long seed, Vocabulary vocabulary, int ddimSteps, int latentSize, float startGuidance,
                       float negativeGuidance, Compat compat, int checkpointEvery, Path checkpointDir) {
    public Settings {
        targets = List.copyOf(targets);
    }

    /** With another θ-update count (AdvAnchor caps it at its training images). */
    public Settings steps(int n) {
        return Records.with(this, "steps", n);
    }

    /** With another trained subset (a method that fixes its own, e.g. Concept Ablation's group). */
    public Settings params(Params p) {
        return Records.with(this, "params", p);
    }

    /** With another DDIM grid and start guidance (Concept Ablation's anchor generation). */
    public Settings ddimGrid(int n, float guidance) {
        return Records.with(this, "ddimSteps", n, "startGuidance", guidance);
    }

    public Settings compat(Compat c) {
        return Records.with(this, "compat", c);
    }

    /** What must match for a checkpoint to be resumed (everything except the length and checkpointing). */
    public String fingerprint() {
        return String.join(";", configuration().values());
    }

    /** The fingerprint's parts by setting name, so a refused resume can say which setting differs. */
    public Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("targets", String.join("|", targets));
        c.put("preserve", String.valueOf(preserve));
        c.put("params", params.name());
        c.put("learningRate", String.valueOf(learningRate));
        c.put("seed", String.valueOf(seed));
        c.put("vocabulary", vocabulary.name() + "/" + vocabulary.size());
        c.put("ddimSteps", String.valueOf(ddimSteps));
        c.put("latentSize", String.valueOf(latentSize));
        c.put("startGuidance", String.valueOf(startGuidance));
        c.put("negativeGuidance", String.valueOf(negativeGuidance));
        c.put("compat", String.valueOf(compat));
        return c;
    }
}
