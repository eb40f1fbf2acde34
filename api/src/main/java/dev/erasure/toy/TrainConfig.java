package dev.erasure.toy;

import dev.erasure.io.Records;
import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * Everything a ShapeWorld training run depends on. {@code steps} is the planned length: the learning
 * rate warms up linearly over {@code warmupSteps} and then decays linearly to 0 at {@code steps}, so
 * it must be fixed before the run starts; {@code stopAfter} only ends this invocation early (the run
 * resumes from its checkpoint with the same schedule).
 *
 * @param output       run folder: checkpoint/, snapshots/step-N/ (EMA model folders), final/, train.log
 * @param snapshotEvery export the EMA weights as a loadable model folder every this many steps (0: never)
 */
public record TrainConfig(Path output, long seed, int steps, int batchSize, float learningRate, int warmupSteps,
                          float weightDecay, float maxGradNorm, float emaDecay, boolean horizontalFlip,
                          int checkpointEvery, int snapshotEvery, int logEvery, int stopAfter,
                          JsonObject unetConfig, JsonObject textConfig, int trainTimesteps, ShapeWorld world,
                          CaptionGrammar grammar) {
    public TrainConfig {
        if (output == null) throw new IllegalArgumentException("output folder is required");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpointEvery must be >= 1, got " + checkpointEvery);
        if (world.size() != unetConfig.get("sample_size").getAsInt()) {
            throw new IllegalArgumentException("world size " + world.size() + " != unet sample_size " + unetConfig.get("sample_size"));
        }
    }

    /** The shipped recipe (shared/docs/shapeworld.md): batch 32, AdamW 1e-3, 100 warm-up steps, clip 1, EMA 0.999, h-flip. */
    public static TrainConfig standard(Path output, int steps) {
        return new TrainConfig(output, 42, steps, 32, 1e-3f, 100, 0.01f, 1f, 0.999f, true,
                250, 500, 25, Integer.MAX_VALUE, ShapeWorldModel.unetConfig(), ShapeWorldModel.textConfig(), 1000,
                ShapeWorld.standard(), CaptionGrammar.standard());
    }

    /** A very small model for tests: 8 px, widths (8,16), 1-layer 16-wide text encoder, batch 4. */
    public static TrainConfig tiny(Path output, int steps) {
        return new TrainConfig(output, 7, steps, 4, 3e-3f, 2, 0.01f, 1f, 0.9f, true,
                1000, 0, 1, Integer.MAX_VALUE, ShapeWorldModel.unetConfig(8, new int[] {8, 16}, 2, 4, 16),
                ShapeWorldModel.textConfig(16, 1, 2, 16), 1000, new ShapeWorld(8, 0.22, 0.35), CaptionGrammar.standard());
    }

    public TrainConfig withStopAfter(int s) {
        return Records.with(this, "stopAfter", s);
    }

    /** Linear warm-up to the peak, then linear decay to 0 at {@code steps}. */
    public float learningRate(int step) {
        if (step < warmupSteps) return learningRate * (step + 1) / warmupSteps;
        return learningRate * Math.max(0f, (float) (steps - step) / Math.max(1, steps - warmupSteps));
    }
}
