package dev.erasure.erase;

import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.io.Records;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated common settings of a run (built by {@code Erasure} with the method's defaults for
 * what the caller left unset); what only one method reads lives in its {@link Method} record.
 *
 * @param iterations       θ updates (ESD/EAP {@code iterations}, 1000)
 * @param ddimGrid         GenLatent's DDIM grid size N (50)
 * @param latentSize       latent height = width (64 for 512×512 SD-1.4)
 * @param startGuidance    CFG scale of GenLatent (3)
 * @param negativeGuidance η of the ESD target (1)
 * @param checkpointEvery  θ updates between checkpoints (0 = none)
 */
public record Settings(List<String> targets, Params params, int iterations, double learningRate, long seed,
                       int ddimGrid, int latentSize, float startGuidance, float negativeGuidance, Compat compat,
                       int checkpointEvery, Path checkpointDir) {
    public Settings {
        targets = List.copyOf(targets);
    }

    /** With another θ-update count (AdvAnchor caps it at its training images). */
    public Settings iterations(int n) {
        return Records.with(this, "iterations", n);
    }

    /** With another trained subset (a method that fixes its own, e.g. Concept Ablation's group). */
    public Settings params(Params p) {
        return Records.with(this, "params", p);
    }

    /** With another DDIM grid and start guidance (Concept Ablation's anchor generation). */
    public Settings ddimGrid(int n, float guidance) {
        return Records.with(this, "ddimGrid", n, "startGuidance", guidance);
    }

    public Settings compat(Compat c) {
        return Records.with(this, "compat", c);
    }

    /**
     * What must match for a checkpoint to be resumed (everything except the length and
     * checkpointing), by name; the names are the ones checkpoints were first written with
     * ("ddimSteps" is {@link #ddimGrid}), so older checkpoints still resume.
     */
    public Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("targets", String.join("|", targets));
        c.put("params", params.name());
        c.put("learningRate", String.valueOf(learningRate));
        c.put("seed", String.valueOf(seed));
        c.put("ddimSteps", String.valueOf(ddimGrid));
        c.put("latentSize", String.valueOf(latentSize));
        c.put("startGuidance", String.valueOf(startGuidance));
        c.put("negativeGuidance", String.valueOf(negativeGuidance));
        c.put("compat", String.valueOf(compat));
        return c;
    }
}
