package dev.erasure.toy;

import com.google.gson.JsonObject;
import dev.erasure.io.Records;

import java.nio.file.Path;

/**
 * Everything a ShapeWorld training run depends on. {@code iterations} (optimiser updates) is the planned
 * length: the learning rate warms up linearly over {@code warmupIterations} and then decays linearly to 0
 * at {@code iterations}, so it must be fixed before the run starts; {@code stopAfter} only ends this
 * invocation early (the run resumes from its checkpoint with the same schedule). The run's files count
 * iterations as steps (snapshots/step-N, train.log's "step N"), as they always have.
 *
 * @param output       run folder: checkpoint/, snapshots/step-N/ (EMA model folders), final/, train.log
 * @param snapshotEvery export the EMA weights as a loadable model folder every this many iterations (0: never)
 * @param schedulerConfig the diffusers scheduler config whose noise schedule the model is trained on; exported as the
 *                      model's scheduler, so sampling and erasure see the same schedule
 */
public record TrainConfig(Path output, long seed, int iterations, int batchSize, float learningRate, int warmupIterations,
                          float weightDecay, float maxGradNorm, float emaDecay, boolean horizontalFlip,
                          int checkpointEvery, int snapshotEvery, int logEvery, int stopAfter,
                          JsonObject unetConfig, JsonObject textConfig, JsonObject schedulerConfig, ShapeWorld world,
                          CaptionGrammar grammar) {
    public TrainConfig {
        if (output == null) throw new IllegalArgumentException("output folder is required");
        if (iterations < 1) throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        if (checkpointEvery < 1) throw new IllegalArgumentException("checkpointEvery must be >= 1, got " + checkpointEvery);
        if (schedulerConfig == null || !schedulerConfig.has("num_train_timesteps")) {
            throw new IllegalArgumentException("schedulerConfig must give num_train_timesteps");
        }
        if (world.size() != unetConfig.get("sample_size").getAsInt()) {
            throw new IllegalArgumentException("world size " + world.size() + " != unet sample_size " + unetConfig.get("sample_size"));
        }
    }

    /** The shipped model's settings (shared/docs/shapeworld.md): batch 32, AdamW 1e-3, 100 warm-up iterations, clip 1, EMA 0.999, h-flip. */
    public static TrainConfig standard(Path output, int iterations) {
        return new TrainConfig(output, 42, iterations, 32, 1e-3f, 100, 0.01f, 1f, 0.999f, true,
                250, 500, 25, Integer.MAX_VALUE, ShapeWorldModel.unetConfig(), ShapeWorldModel.textConfig(), ShapeWorldModel.schedulerConfig(1000),
                ShapeWorld.standard(), CaptionGrammar.standard());
    }

    /** A very small model for tests: 8 px, widths (8,16), 1-layer 16-wide text encoder, batch 4. */
    public static TrainConfig tiny(Path output, int iterations) {
        return new TrainConfig(output, 7, iterations, 4, 3e-3f, 2, 0.01f, 1f, 0.9f, true,
                1000, 0, 1, Integer.MAX_VALUE, ShapeWorldModel.unetConfig(8, new int[] {8, 16}, 2, 4, 16),
                ShapeWorldModel.textConfig(16, 1, 2, 16), ShapeWorldModel.schedulerConfig(1000), new ShapeWorld(8, 0.22, 0.35), CaptionGrammar.standard());
    }

    public TrainConfig withStopAfter(int s) {
        return Records.with(this, "stopAfter", s);
    }

    /** Trains on another noise schedule, e.g. {@link ShapeWorldModel#scaledLinearSchedulerConfig()} (SD's). */
    public TrainConfig withSchedulerConfig(JsonObject c) {
        return Records.with(this, "schedulerConfig", c);
    }

    /** T, the number of training timesteps of {@link #schedulerConfig()}. */
    public int trainTimesteps() {
        return schedulerConfig.get("num_train_timesteps").getAsInt();
    }

    /** @deprecated "steps" meant several things; this is {@link #iterations()}, the planned optimiser updates. */
    @Deprecated
    public int steps() {
        return iterations;
    }

    /** @deprecated "steps" meant several things; this is {@link #warmupIterations()}. */
    @Deprecated
    public int warmupSteps() {
        return warmupIterations;
    }

    /** The learning rate of iteration {@code step} (0-based): linear warm-up to the peak, then linear decay to 0 at {@code iterations}. */
    public float learningRate(int step) {
        if (step < warmupIterations) return learningRate * (step + 1) / warmupIterations;
        return learningRate * Math.max(0f, (float) (iterations - step) / Math.max(1, iterations - warmupIterations));
    }
}
