package dev.erasure.eval.judge;

import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FID over folders: bad inputs name the file or folder; reference statistics are cached and re-pinned. */
class FidInputTest {
    @TempDir
    Path tmp;

    @Test
    void badInputs() throws Exception {
        Path pth = Files.write(tmp.resolve("pt_inception-2015-12-05-6726825d.pth"), new byte[] {(byte) 0x80, 2, 0, 0, 0, 0, 0, 0});
        WeightException pickle = assertThrows(WeightException.class, () -> FidInception.load(pth));
        assertTrue(pickle.getMessage().contains(pth.toString()) && pickle.getMessage().contains("save_file"), pickle.getMessage());
        try (FidInception inception = FidInception.load(Fixtures.fid().resolve("inception.safetensors"))) {
            Fid fid = new Fid(inception, FidPreprocess.T2I_BENCHMARK);
            Path empty = Files.createDirectory(tmp.resolve("empty"));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> fid.statistics(empty));
            assertTrue(none.getMessage().contains(empty.toString()), none.getMessage());
            Path one = Files.createDirectory(tmp.resolve("one"));
            Files.copy(Fixtures.fid().resolve("images/a_0.png"), one.resolve("a_0.png"));
            IllegalArgumentException single = assertThrows(IllegalArgumentException.class, () -> fid.statistics(one));
            assertTrue(single.getMessage().contains("at least two"), single.getMessage());
        }
    }

    @Test
    void referenceStatisticsAreCachedAndPinned() throws Exception {
        Path images = Files.createDirectory(tmp.resolve("reference"));
        for (String n : List.of("a_0.png", "a_1.png", "a_2.png")) Files.copy(Fixtures.fid().resolve("images/" + n), images.resolve(n));
        Path cache = tmp.resolve("reference-stats.safetensors");
        try (FidInception inception = FidInception.load(Fixtures.fid().resolve("inception.safetensors"))) {
            Fid fid = new Fid(inception, FidPreprocess.T2I_BENCHMARK);
            FidStatistics first = fid.referenceStatistics(images, cache);
            assertTrue(Files.isRegularFile(cache));
            assertEquals("T2I_BENCHMARK", Safetensors.header(cache).metadata().get("preprocess"));
            FidStatistics cached = FidStatistics.load(cache);
            assertArrayEquals(first.mu(), cached.mu(), 0);
            assertArrayEquals(first.sigma()[1], cached.sigma()[1], 0);
            long written = Files.getLastModifiedTime(cache).toMillis();
            assertArrayEquals(first.mu(), fid.referenceStatistics(images, cache).mu(), 0, "second call reads the cache");
            assertEquals(written, Files.getLastModifiedTime(cache).toMillis(), "an up-to-date cache is not rewritten");
            // another image invalidates the cache; another preprocessing too
            Files.copy(Fixtures.fid().resolve("images/a_3.png"), images.resolve("a_3.png"), StandardCopyOption.REPLACE_EXISTING);
            FidStatistics four = fid.referenceStatistics(images, cache);
            assertTrue(!Arrays.equals(first.mu(), four.mu()), "a changed folder must be recomputed");
            new Fid(inception, FidPreprocess.PYTORCH_FID).referenceStatistics(images, cache);
            assertEquals("PYTORCH_FID", Safetensors.header(cache).metadata().get("preprocess"));
        }
    }
}
