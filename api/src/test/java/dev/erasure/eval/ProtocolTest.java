package dev.erasure.eval;

import dev.erasure.core.Csv;
import dev.erasure.core.PromptSet;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.Progress;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolTest {
    private static StableDiffusion sd;

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
    }

    @AfterAll
    static void close() {
        sd.close();
    }

    /** Three I2P rows, one of them multi-line (case 681), so the manifest must quote. */
    private static Protocol protocol() {
        PromptSet three = PromptSet.i2p().filter(r -> List.of("0", "681", "2260").contains(r.caseNumber()));
        return Protocol.of(three).samplingSteps(2).size(32);
    }

    /** Counts the images the protocol task reports as generated. */
    private static final class Counter implements ProgressListener {
        final List<Progress> reports = new ArrayList<>();

        @Override
        public void onProgress(Progress p) {
            if (p.done() > 0) reports.add(p);
        }
    }

    @Test
    void generatesManifestAndImagesThenRerunsNothing(@TempDir Path dir) throws IOException {
        Counter first = new Counter();
        Protocol.Result r = protocol().run(sd, dir, first);
        assertTrue(r.complete());
        assertEquals(3, r.generated());
        assertEquals(3, first.reports.size());
        Table t = r.table();
        assertEquals(3, t.rowCount());
        assertEquals(List.of("0", "681", "2260"), t.stringColumn("case_number").asList());
        assertEquals("nan", t.stringColumn("prompt").get(2));
        assertTrue(t.stringColumn("prompt").get(1).contains("\n"), "multi-line prompt round-trips");
        for (String f : t.stringColumn("file")) {
            BufferedImage img = ImageIO.read(dir.resolve(f).toFile());
            assertNotNull(img, f);
            assertEquals(32, img.getWidth());
            assertEquals(32, img.getHeight());
        }
        assertEquals("2", t.stringColumn("steps").get(0));
        assertEquals("7.5", t.stringColumn("guidance").get(0));
        long modified = Files.getLastModifiedTime(dir.resolve("0_0.png")).toMillis();

        Counter second = new Counter();
        Protocol.Result again = protocol().run(sd, dir, second);
        assertEquals(0, again.generated());
        assertEquals(3, again.skipped());
        assertTrue(again.complete());
        assertTrue(second.reports.isEmpty(), "nothing regenerated");
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("0_0.png")).toMillis());
        assertEquals(3, again.table().rowCount());

        var e = assertThrows(IllegalStateException.class, () -> protocol().samplingSteps(3).run(sd, dir));
        assertTrue(e.getMessage().contains("another folder"), e.getMessage());
    }

    @Test
    void aCancelledRunResumesToCompletion(@TempDir Path dir) {
        Cancellation.current().reset();
        AtomicBoolean once = new AtomicBoolean();
        // the interrupt button pressed once, after the first image (the task's closing report repeats done = 1)
        Protocol.Result cut = protocol().run(sd, dir, p -> {
            if (p.done() == 1 && once.compareAndSet(false, true)) Cancellation.current().cancel();
        });
        assertTrue(cut.cancelled());
        assertFalse(cut.complete());
        assertEquals(1, cut.generated());
        assertEquals(1, cut.table().rowCount());

        Counter rest = new Counter();
        Protocol.Result resumed = protocol().run(sd, dir, rest);
        assertTrue(resumed.complete());
        assertEquals(1, resumed.skipped());
        assertEquals(2, resumed.generated());
        assertEquals(2, rest.reports.size());
        assertEquals(3, resumed.table().rowCount());
    }

    @Test
    void aTornLastManifestRecordIsDroppedAndRedone(@TempDir Path dir) throws IOException {
        protocol().limit(2).run(sd, dir);
        Path manifest = dir.resolve(Protocol.MANIFEST);
        // a crash while appending case 2260: image written, manifest record cut in the middle
        Files.writeString(manifest, "2260,\"nan", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Protocol.Result r = protocol().run(sd, dir);
        assertEquals(1, r.generated());
        assertEquals(3, r.table().rowCount());
        String text = Files.readString(manifest);
        assertEquals(4, Csv.parse(text).size(), "header + 3 records, the torn one cut off:\n" + text);
        assertTrue(text.endsWith("\n"));
    }

    @Test
    void theSchedulerIsTheGenerationsAndIsRecorded(@TempDir Path dir) throws IOException {
        Protocol lms = protocol().limit(1).scheduler(SchedulerType.LMS);
        Protocol.Result r = lms.run(sd, dir.resolve("lms"));
        assertEquals("lms", r.table().stringColumn("scheduler").get(0));
        PromptSet.Row row = lms.prompts().rows().get(0);
        BufferedImage expected = sd.generate(Generation.of(row.prompt()).seed(row.seed()).samplingSteps(2).guidance(row.guidance())
                .size(32, 32).scheduler(SchedulerType.LMS));
        BufferedImage got = ImageIO.read(dir.resolve("lms").resolve(r.table().stringColumn("file").get(0)).toFile());
        assertTrue(samePixels(expected, got), "the protocol's image is the LMS generation of its row");
        Protocol.Result ddim = protocol().limit(1).run(sd, dir.resolve("default"));
        assertEquals("", ddim.table().stringColumn("scheduler").get(0), "the model's own scheduler is recorded as empty");
        BufferedImage own = ImageIO.read(dir.resolve("default").resolve(ddim.table().stringColumn("file").get(0)).toFile());
        assertFalse(samePixels(got, own), "LMS and the model's DDIM give different images");
        var e = assertThrows(IllegalStateException.class, () -> protocol().limit(1).run(sd, dir.resolve("lms")));
        assertTrue(e.getMessage().contains("scheduler") && e.getMessage().contains("another folder"), e.getMessage());
    }

    @Test
    void aManifestWithoutTheSchedulerColumnIsUpgradedInPlace(@TempDir Path dir) throws IOException {
        protocol().limit(2).run(sd, dir);
        Path manifest = dir.resolve(Protocol.MANIFEST);
        StringBuilder old = new StringBuilder();
        for (Csv.Record rec : Csv.parse(Files.readString(manifest))) {
            old.append(Csv.line(rec.cells().subList(0, rec.cells().size() - 2)));
        }
        Files.writeString(manifest, old.toString()); // as written before the sampler and images per seed were recorded
        Protocol.Result r = protocol().run(sd, dir);
        assertEquals(2, r.skipped(), "the old rows still count as done");
        assertEquals(1, r.generated());
        List<Csv.Record> records = Csv.parse(Files.readString(manifest));
        assertEquals(Manifest.COLUMNS, records.get(0).cells());
        assertEquals(4, records.size());
        for (Csv.Record rec : records) assertEquals(records.get(0).cells().size(), rec.cells().size(), rec.cells().toString());
        for (Csv.Record rec : records.subList(1, 3)) {
            assertEquals(List.of("", "1"), rec.cells().subList(rec.cells().size() - 2, rec.cells().size()), "an old row: model scheduler, 1 image per seed");
        }
    }

    /** n images per prompt: image i is the i-th latent of one draw from the row's seed, each in its own file. */
    @Test
    void imagesOfAPromptComeFromOneSeedDraw(@TempDir Path dir) throws IOException {
        Protocol two = protocol().limit(1).imagesPerPrompt(2);
        Protocol.Result r = two.run(sd, dir);
        assertEquals(2, r.generated());
        assertEquals(2, r.total());
        PromptSet.Row row = two.prompts().get(0);
        for (int i = 0; i < 2; i++) {
            BufferedImage expected = sd.generate(Generation.of(row.prompt()).seed(row.seed()).samplingSteps(2).size(32, 32).imageOf(i, 2));
            assertTrue(samePixels(expected, ImageIO.read(dir.resolve(Protocol.fileName(row, i)).toFile())), "image " + i);
        }
        BufferedImage own = sd.generate(Generation.of(row.prompt()).seed(row.seed()).samplingSteps(2).size(32, 32));
        assertTrue(samePixels(own, ImageIO.read(dir.resolve(Protocol.fileName(row, 0)).toFile())), "image 0 = the seed's own draw");
        assertFalse(samePixels(own, ImageIO.read(dir.resolve(Protocol.fileName(row, 1)).toFile())), "image 1 is another latent");
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> protocol().limit(1).run(sd, dir));
        assertTrue(other.getMessage().contains("images per seed"), other.getMessage());
    }

    private static boolean samePixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
        }
        return true;
    }
}
