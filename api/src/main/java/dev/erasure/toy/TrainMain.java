package dev.erasure.toy;

import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line for the shipped ShapeWorld models:
 * {@code java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -cp ... dev.erasure.toy.TrainMain [--schedule linear|scaled-linear] OUTPUT ITERATIONS [STOP_AFTER]}.
 * Resumes from OUTPUT/checkpoint when present (same ITERATIONS and schedule required: the run depends on them).
 * {@code --schedule scaled-linear} trains on SD's noise schedule ({@link ShapeWorldModel#scaledLinearSchedulerConfig()});
 * the default is the linear DDPM schedule of models/shapeworld.
 */
public final class TrainMain {
    private static final String USAGE = "usage: TrainMain [--schedule linear|scaled-linear] OUTPUT_DIR PLANNED_ITERATIONS [STOP_AFTER_ITERATIONS]";

    private TrainMain() {
    }

    public static void main(String[] args) {
        List<String> positional = new ArrayList<>();
        String schedule = "linear";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--schedule") && i + 1 < args.length) schedule = args[++i];
            else positional.add(args[i]);
        }
        if (positional.size() < 2 || !(schedule.equals("linear") || schedule.equals("scaled-linear"))) {
            System.err.println(USAGE + (positional.size() < 2 ? "" : "\n--schedule: expected linear or scaled-linear, got " + schedule));
            System.exit(2);
        }
        TrainConfig cfg = TrainConfig.standard(Path.of(positional.get(0)), Integer.parseInt(positional.get(1)));
        if (schedule.equals("scaled-linear")) cfg = cfg.withSchedulerConfig(ShapeWorldModel.scaledLinearSchedulerConfig());
        if (positional.size() > 2) cfg = cfg.withStopAfter(Integer.parseInt(positional.get(2)));
        ShapeWorldTrainer.Result r = ShapeWorld.train(cfg, ProgressListener.NONE);
        System.out.println("stopped after " + r.step() + " of " + cfg.iterations() + " iterations, recent loss " + r.recentLoss());
    }
}
