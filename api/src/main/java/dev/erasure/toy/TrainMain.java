package dev.erasure.toy;

import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;

/**
 * Command line for the shipped ShapeWorld model:
 * {@code java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp ... dev.erasure.toy.TrainMain OUTPUT ITERATIONS [STOP_AFTER]}.
 * Resumes from OUTPUT/checkpoint when present (same ITERATIONS required: the schedule depends on it).
 */
public final class TrainMain {
    private TrainMain() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: TrainMain OUTPUT_DIR PLANNED_ITERATIONS [STOP_AFTER_ITERATIONS]");
            System.exit(2);
        }
        TrainConfig cfg = TrainConfig.standard(Path.of(args[0]), Integer.parseInt(args[1]));
        if (args.length > 2) cfg = cfg.withStopAfter(Integer.parseInt(args[2]));
        ShapeWorldTrainer.Result r = ShapeWorld.train(cfg, ProgressListener.NONE);
        System.out.println("stopped after " + r.step() + " of " + cfg.iterations() + " iterations, recent loss " + r.recentLoss());
    }
}
