package dev.erasure.io;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The one way the project writes a file: into a hidden temporary file beside it
 * ({@code .NAME.RANDOM.tmp}), flushed to disk, then renamed over the target, so a reader sees the old
 * file or the new one and never a half-written one (a full disk, a kill -9, an exception in the
 * middle). Writes use java.io streams, which a {@link Thread#interrupt()} does not abort (an NIO
 * channel closes itself on interrupt, losing the write): the interrupt stays pending for the caller's
 * next cancellation check. Temporary files that a killed save left for the same target are removed
 * by the next save of that target (once untouched for {@link #STALE_AFTER_MS}), with a line on stderr.
 */
public final class AtomicFiles {
    /** A temp file not written to for this long belongs to a dead writer (a live one keeps writing). */
    static final long STALE_AFTER_MS = 60_000;
    /** What a new file gets (a temp file may be created private, which would make saved files private). */
    private static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /** What writes the content; the stream is buffered and closed by {@link #write}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void writeString(Path file, String text) throws IOException {
        writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes {@code file} atomically. On any failure the temporary file is deleted, an existing
     * {@code file} is untouched, and the exception (naming {@code file}) propagates.
     */
    public static void write(Path file, Content content) throws IOException {
        if (Files.isDirectory(file)) throw new IOException("cannot write " + file + ": it is a folder");
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String name = file.getFileName().toString();
        removeStale(dir, name);
        Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        boolean moved = false;
        try {
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 OutputStream out = new BufferedOutputStream(fos, 1 << 20)) {
                content.writeTo(new FilterOutputStream(out) { // content may close its stream (CSV writers do)
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();
                    }
                });
                out.flush();
                fos.getFD().sync(); // on disk before the rename makes it visible
            }
            keepPermissions(tmp, file);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes temporary files of earlier, killed saves of {@code name} in {@code dir}: ours
     * ({@code .NAME.RANDOM.tmp}) and those of the writer before this class ({@code .NAMEDIGITS.tmp}).
     */
    private static void removeStale(Path dir, String name) {
        List<Path> candidates;
        try (Stream<Path> st = Files.list(dir)) {
            candidates = st.filter(p -> isStaleName(p.getFileName().toString(), name)).toList();
        } catch (IOException e) {
            return; // cleaning up is best effort; the write itself reports real problems
        }
        long now = System.currentTimeMillis();
        for (Path p : candidates) {
            try {
                FileTime t = Files.getLastModifiedTime(p);
                if (now - t.toMillis() < STALE_AFTER_MS) continue; // perhaps another writer, still at work
                long size = Files.size(p);
                Files.deleteIfExists(p);
                System.err.printf("removed %s (%,d bytes), left by an interrupted save of %s%n", p, size, name);
            } catch (IOException e) {
                // gone already, or not ours to delete
            }
        }
    }

    static boolean isStaleName(String n, String name) {
        String prefix = "." + name;
        if (!n.startsWith(prefix) || !n.endsWith(".tmp")) return false;
        String middle = n.substring(prefix.length(), n.length() - ".tmp".length());
        if (middle.startsWith(".")) return middle.length() > 1 && middle.substring(1).chars().allMatch(Character::isLetterOrDigit);
        return !middle.isEmpty() && middle.chars().allMatch(Character::isDigit);
    }

    /** An overwritten file keeps its permissions; a new one gets rw-r--r--. */
    private static void keepPermissions(Path tmp, Path target) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (view == null) return; // not a POSIX file system
        view.setPermissions(Files.exists(target) ? Files.getPosixFilePermissions(target) : NEW_FILE);
    }

    /** Deletes a file or a folder with everything in it (nothing if it does not exist). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
