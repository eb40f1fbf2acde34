package dev.erasure.eval.paper;

import ai.djl.ndarray.NDManager;
import dev.erasure.eval.ClipModel;
import dev.erasure.eval.ClipScore;
import dev.erasure.eval.Protocol;
import dev.erasure.eval.RgbImage;
import dev.erasure.eval.judge.Fid;
import dev.erasure.eval.judge.FidInception;
import dev.erasure.eval.judge.FidPreprocess;
import dev.erasure.eval.judge.FidStatistics;
import dev.erasure.eval.judge.ImageFiles;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The utility protocol on the tiny fixture with the tiny FID Inception and tiny CLIP, against the tiny-fid images as the real set. */
class UtilityTest {
    private static StableDiffusion sd;
    private static NDManager manager;
    private static ClipModel clip;
    private static FidInception inception;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
        manager = NDManager.newBaseManager();
        clip = ClipModel.load(Fixtures.tinyClip(), manager);
        inception = FidInception.load(Fixtures.fid().resolve("inception.safetensors"));
    }

    @AfterAll
    static void close() {
        inception.close();
        manager.close();
        sd.close();
    }

    @Test
    void fidAgainstTheRealFolderAndClipInBothConventions(@TempDir Path out) throws Exception {
        Fid fid = new Fid(inception, FidPreprocess.T2I_BENCHMARK);
        Path real = Fixtures.fid().resolve("images");
        Utility quick = Utility.coco10k().limit(3).samplingSteps(2).size(32);
        Evaluation e = quick.run("model", sd, fid, real, clip, out, null);
        List<Path> generated = ImageFiles.list(out.resolve("model/images"));
        assertEquals(3, generated.size());
        double expected = FidStatistics.of(fid.features(generated)).distance(FidStatistics.of(fid.features(ImageFiles.list(real))));
        assertEquals(expected, e.summary().doubleColumn("FID").get(0), 1e-9 * Math.max(1, expected), "FID (same float64 statistics)");
        Path cache = out.resolve("reference-t2i_benchmark.safetensors");
        assertTrue(Files.isRegularFile(cache), "reference statistics cached");

        List<RgbImage> imgs = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var row = quick.prompts().get(i);
            imgs.add(RgbImage.of(ImageFiles.read(out.resolve("model/images").resolve(Protocol.fileName(row, 0)))));
            prompts.add(row.prompt());
        }
        float[] cos = new ClipScore(clip).pairCosinesRgb(imgs, prompts);
        double meanCos = (cos[0] + cos[1] + cos[2]) / 3.0;
        double meanScore = (ClipScore.clamp(cos)[0] + ClipScore.clamp(cos)[1] + ClipScore.clamp(cos)[2]) / 3.0;
        assertEquals(meanCos, e.summary().doubleColumn("CLIP_cosine").get(0), 1e-6, "AdvUnlearn's mean cosine (tolerance 1e-6)");
        assertEquals(meanScore, e.summary().doubleColumn("CLIP_score").get(0), 1e-4, "torchmetrics' 100·max(cos, 0) (tolerance 1e-4)");

        long cached = Files.getLastModifiedTime(cache).toMillis();
        quick.run("model", sd, fid, real, clip, out, null);
        assertEquals(cached, Files.getLastModifiedTime(cache).toMillis(), "the reference statistics are read from the cache");

        Path empty = Files.createDirectory(out.resolveSibling(out.getFileName() + "-empty"));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> quick.run("model2", sd, fid, empty, null, out, null));
        assertTrue(none.getMessage().contains(empty.toString()), none.getMessage());
    }
}
