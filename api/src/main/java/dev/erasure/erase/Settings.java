package dev.erasure.erase;

import dev.erasure.Compat;
import dev.erasure.Params;
import dev.erasure.Preserve;
import dev.erasure.Vocabulary;

import java.nio.file.Path;
import java.util.List;

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

    /** What must match for a checkpoint to be resumed (everything except the length and checkpointing). */
    public String fingerprint() {
        return String.join("|", targets) + ";" + preserve + ";" + params.name() + ";" + learningRate + ";" + seed + ";"
                + vocabulary.name() + "/" + vocabulary.size() + ";" + ddimSteps + ";" + latentSize + ";" + startGuidance + ";"
                + negativeGuidance + ";" + compat;
    }
}
