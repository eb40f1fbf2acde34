package dev.erasure.eval.paper;

import dev.erasure.core.Csv;
import dev.erasure.eval.judge.Classification;
import dev.erasure.eval.judge.ImageNetClassifier;
import dev.erasure.eval.judge.NudeDetector;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The objects protocol on the tiny fixture and the tiny ResNet: ESR/PSR recomputed here from the classifier on the files. */
class ImagenetteTest {
    private static StableDiffusion sd;
    private static ImageNetClassifier classifier;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
        Path f = Fixtures.resnet();
        classifier = ImageNetClassifier.load(f.resolve("model.safetensors"), f.resolve("config.json"));
    }

    @AfterAll
    static void close() {
        classifier.close();
        sd.close();
    }

    @Test
    void esrAndPsrPerSplitWithMeanAndStd(@TempDir Path out) throws Exception {
        Imagenette quick = Imagenette.eap().limit(1).samplingSteps(2).size(32);
        quick.run("v1", PaperFixtures.halvedKeys(sd, out.resolveSibling(out.getFileName() + ".safetensors")), classifier, out);
        Evaluation e = quick.run("original", sd, classifier, out);
        Table s = e.summary();
        // v1's own row, then the original model on each of the 4 splits, then its mean and std
        assertEquals(List.of("v1", "v1", "v2", "v3", "v4", "mean", "std"), s.stringColumn("split").asList());
        for (int row = 0; row < 5; row++) {
            String model = s.stringColumn("model").get(row);
            Set<String> erased = Set.copyOf(Imagenette.EAP_SPLITS.get(s.stringColumn("split").get(row)));
            List<String> labels = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            var records = Csv.parse(Files.readString(out.resolve(model).resolve("images/manifest.csv")));
            List<String> header = records.get(0).cells();
            for (var r : records.subList(1, records.size())) {
                files.add(out.resolve(model).resolve("images").resolve(r.cells().get(header.indexOf("file"))));
                labels.add(r.cells().get(header.indexOf("label")));
            }
            assertEquals(10, files.size(), "one image per class");
            List<Classification> cs = classifier.classifyFiles(files);
            for (int k : List.of(1, 5)) {
                int en = 0, gone = 0, kn = 0, found = 0;
                for (int i = 0; i < files.size(); i++) {
                    boolean in = cs.get(i).inTopK(labels.get(i), k);
                    if (erased.contains(labels.get(i))) {
                        en++;
                        if (!in) gone++;
                    } else {
                        kn++;
                        if (in) found++;
                    }
                }
                assertEquals(100.0 * gone / en, s.doubleColumn("ESR-" + k).get(row), 1e-9, model + " ESR-" + k + " (exact count)");
                assertEquals(100.0 * found / kn, s.doubleColumn("PSR-" + k).get(row), 1e-9, model + " PSR-" + k + " (exact count)");
            }
        }
        double[] esr = {s.doubleColumn("ESR-1").get(1), s.doubleColumn("ESR-1").get(2), s.doubleColumn("ESR-1").get(3), s.doubleColumn("ESR-1").get(4)};
        double mean = (esr[0] + esr[1] + esr[2] + esr[3]) / 4;
        double var = 0;
        for (double v : esr) var += (v - mean) * (v - mean) / 4;
        assertEquals(mean, s.doubleColumn("ESR-1").get(5), 1e-9, "mean over the 4 splits");
        assertEquals(Math.sqrt(var), s.doubleColumn("ESR-1").get(6), 1e-9, "std over the 4 splits (ddof 0)");
        assertTrue(Files.readString(e.record()).contains("\"v1\""));
    }

    @Test
    void aFolderOfAnotherProtocolIsRefused(@TempDir Path out) {
        Imagenette.eap().limit(1).samplingSteps(1).size(32).splits(Map.of("church", List.of("Church"))).run("church", sd, classifier, out);
        try (NudeDetector d = NudeDetector.load(Fixtures.nudenet().resolve("tiny-nudenet.onnx"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NudityTest.quick().run(sd, d, out));
            assertTrue(e.getMessage().contains("protocol.json") && e.getMessage().contains("objects"), e.getMessage());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Imagenette.eap().splits(Map.of("x", List.of("Cathedral"))));
        assertTrue(unknown.getMessage().contains("Cathedral"), unknown.getMessage());
    }
}
