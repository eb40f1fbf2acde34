package dev.erasure.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileWholeAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("image.png");
        AtomicFiles.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("No space left"), e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("image.png"), names());
    }

    @Test
    void anInterruptDoesNotAbortTheWriteAndStaysPending() throws IOException {
        Path f = dir.resolve("state.json");
        Thread.currentThread().interrupt();
        try {
            AtomicFiles.write(f, out -> {
                for (int i = 0; i < 64; i++) out.write(new byte[1 << 16]); // past the buffer: real writes
            });
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller's cancellation check");
        } finally {
            Thread.interrupted();
        }
        assertEquals(64L << 16, Files.size(f));
    }

    @Test
    void staleTemporaryFilesOfTheSameTargetAreRemovedOnTheNextSave() throws IOException {
        Path stale = Files.writeString(dir.resolve(".unet.safetensors.k3j2h1.tmp"), "x".repeat(1000));
        Path legacy = Files.writeString(dir.resolve(".unet.safetensors1234567.tmp"), "x");
        Path live = Files.writeString(dir.resolve(".unet.safetensors.abc.tmp"), "being written");
        Path other = Files.writeString(dir.resolve(".vae.safetensors.k3j2h1.tmp"), "x");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 2 * AtomicFiles.STALE_AFTER_MS);
        for (Path p : List.of(stale, legacy, other)) Files.setLastModifiedTime(p, old);
        AtomicFiles.writeString(dir.resolve("unet.safetensors"), "new");
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(legacy));
        assertTrue(Files.exists(live), "a recently written temp file may belong to a writer still at work");
        assertTrue(Files.exists(other), "another target's temp file is not ours to judge");
        assertFalse(AtomicFiles.isStaleName(".unet.safetensors.tmp", "unet.safetensors"));
        assertFalse(AtomicFiles.isStaleName(".unet.safetensors.a/b.tmp", "unet.safetensors"));
    }

    @Test
    void contentMayCloseItsStreamAndPermissionsAreKept() throws IOException {
        Path f = dir.resolve("table.csv");
        AtomicFiles.write(f, out -> {
            out.write("a,b\n".getBytes());
            out.close();
        });
        assertEquals("a,b\n", Files.readString(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.writeString(f, "c\n");
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertThrows(IOException.class, () -> AtomicFiles.writeString(dir, "a folder"));
    }
}
