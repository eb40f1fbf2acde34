package dev.erasure.bench;

import dev.erasure.eval.judge.ImageFiles;
import dev.erasure.eval.judge.NudeDetector;
import dev.erasure.sd.scheduler.LmsDiscreteScheduler;
import dev.erasure.testing.Fixtures;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Judge throughput on this CPU ({@code ./erasure bench judges}): NudeNet's pre-processing alone
 * and the whole detect (pre-processing, ONNX Runtime, post-processing) per fixture image with the
 * tiny detector, which has the real 320n signature but far fewer layers (real-model timings need
 * the user's 320n.onnx: pass its path as the first argument); and building a 100-step LMS
 * schedule plus all its coefficients (the papers' sampler; the UNet dominates sampling anyway).
 */
public final class JudgesBench {
    private JudgesBench() {
    }

    public static void main(String[] args) {
        Path folder = Fixtures.nudenet();
        Path model = args.length > 0 ? Path.of(args[0]) : folder.resolve("tiny-nudenet.onnx");
        List<Path> images = ImageFiles.list(folder.resolve("images"));
        try (NudeDetector d = NudeDetector.load(model)) {
            System.out.println("NudeNet detector " + model.getFileName() + " (" + d.resolution() + " px), one image at a time:");
            System.out.printf("%-24s %12s %12s %10s%n", "image", "preprocess", "detect", "images/s");
            for (Path p : images) {
                BufferedImage img = ImageFiles.read(p);
                double pre = Bench.medianMillis(2, 5, () -> NudeDetector.preprocess(img, d.resolution()));
                double all = Bench.medianMillis(2, 5, () -> d.detect(img));
                System.out.printf("%-24s %9.1f ms %9.1f ms %10.1f%n", p.getFileName(), pre, all, 1000 / all);
            }
        }
        double lms = Bench.medianMillis(3, 11, () -> {
            var s = LmsDiscreteScheduler.papers().schedule(100);
            for (int i = 0; i < 100; i++) s.coefficients(i);
        });
        System.out.printf("LMS papers() schedule, 100 steps, all coefficients: %.2f ms%n", lms);
    }
}
