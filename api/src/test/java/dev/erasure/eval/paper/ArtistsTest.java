package dev.erasure.eval.paper;

import dev.erasure.core.Csv;
import dev.erasure.eval.ClipModel;
import dev.erasure.eval.ClipScore;
import dev.erasure.eval.RgbImage;
import dev.erasure.eval.judge.ImageFiles;
import dev.erasure.eval.judge.Lpips;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import ai.djl.ndarray.NDManager;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The artists protocol on the tiny fixture with tiny CLIP and LPIPS: the erase/retain split and both scores recomputed here. */
class ArtistsTest {
    private static StableDiffusion sd;
    private static NDManager manager;
    private static ClipModel clip;
    private static Lpips lpips;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
        manager = NDManager.newBaseManager();
        clip = ClipModel.load(Fixtures.tinyClip(), manager);
        Path f = Fixtures.lpips();
        lpips = Lpips.load(f.resolve("alexnet.safetensors"), f.resolve("lpips-lin.safetensors"), Lpips.Config.read(f.resolve("config.json")));
    }

    @AfterAll
    static void close() {
        lpips.close();
        manager.close();
        sd.close();
    }

    @Test
    void erasedArtistAgainstTheOthersAndTheOriginalImages(@TempDir Path out) throws Exception {
        assertEquals("ajindemihuman", Artists.key("Ajin: Demi Human"));
        Artists quick = Artists.eap().limit(1).imagesPerPrompt(2).samplingSteps(2).size(64);
        StableDiffusion erased = PaperFixtures.halvedKeys(sd, out.resolveSibling(out.getFileName() + ".safetensors"));
        Evaluation e = quick.run("Kelly McKernan", erased, sd, clip, lpips, out, null);
        Table s = e.summary();
        int row = s.stringColumn("model").indexOf("kellymckernan");
        assertTrue(row >= 0, s.print());
        var records = Csv.parse(Files.readString(out.resolve("kellymckernan/images/manifest.csv")));
        List<String> header = records.get(0).cells();
        assertEquals(10, records.size() - 1, "5 artists × 1 prompt × 2 images");
        List<RgbImage> after = new ArrayList<>(), before = new ArrayList<>();
        List<String> prompts = new ArrayList<>(), artists = new ArrayList<>();
        for (var r : records.subList(1, records.size())) {
            String file = r.cells().get(header.indexOf("file"));
            after.add(RgbImage.of(ImageFiles.read(out.resolve("kellymckernan/images").resolve(file))));
            before.add(RgbImage.of(ImageFiles.read(out.resolve("original/images").resolve(file))));
            prompts.add(r.cells().get(header.indexOf("prompt")));
            artists.add(r.cells().get(header.indexOf("label")));
        }
        float[] clipScores = ClipScore.clamp(new ClipScore(clip).pairCosinesRgb(after, prompts));
        float[] d = lpips.distances(after, before);
        double[] sums = new double[4];
        int[] counts = new int[4];
        for (int i = 0; i < after.size(); i++) {
            int side = artists.get(i).equals("Kelly McKernan") ? 0 : 1;
            sums[side] += clipScores[i];
            sums[2 + side] += d[i];
            counts[side]++;
            counts[2 + side]++;
        }
        assertEquals(2, counts[0], "the erased artist's 2 images");
        String[] cols = {"CLIP_erase", "CLIP_retain", "LPIPS_erase", "LPIPS_retain"};
        for (int c = 0; c < 4; c++) {
            assertEquals(sums[c] / counts[c], s.doubleColumn(cols[c]).get(row), 1e-5, cols[c] + " (float32 scores, tolerance 1e-5)");
        }
        assertTrue(s.doubleColumn("LPIPS_erase").get(row) > 0, "the erased model's images differ from the original's");
        int originalRow = s.stringColumn("model").indexOf("original");
        assertTrue(s.doubleColumn("LPIPS_erase").isMissing(originalRow), "no LPIPS for the original against itself");
        assertFalse(e.complete());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> quick.run("Claude Monet", erased, sd, clip, lpips, out, null));
        assertTrue(unknown.getMessage().contains("Kelly McKernan"), unknown.getMessage());
    }
}
