package dev.erasure.cluster;

import dev.erasure.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shared results folder of a cluster job. Every shard writes only files named after itself, so
 * shards never write the same file, and every file is written to a temporary and moved into place:
 * <pre>
 * sweep/shard-I-of-N.csv           the shard's finished configurations (a Sweep results CSV)
 * protocol/shard-I-of-N/           the shard's images and manifest.csv (a Protocol folder)
 * status/shard-I-of-N.json         the shard's state, for {@code cluster status}
 * merged/sweep.csv, merged/protocol/   what {@code cluster merge} gathers
 * </pre>
 */
public record ResultsDir(Path root) {
    public Path sweepCsv(Shard s) {
        return root.resolve("sweep").resolve(s.name() + ".csv");
    }

    public Path protocolFolder(Shard s) {
        return root.resolve("protocol").resolve(s.name());
    }

    public Path statusFile(Shard s) {
        return root.resolve("status").resolve(s.name() + ".json");
    }

    public Path mergedSweepCsv() {
        return root.resolve("merged").resolve("sweep.csv");
    }

    public Path mergedProtocolFolder() {
        return root.resolve("merged").resolve("protocol");
    }

    /** The entries of {@code sub} named after a shard (any count: a job rerun with another N leaves both). */
    List<Path> shardEntries(String sub, String suffix) {
        Path dir = root.resolve(sub);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(suffix) && Shard.parse(n.substring(0, n.length() - suffix.length())) != null) out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Writes {@code text} through the project's one atomic writer (temp file, fsync, rename). */
    static void writeAtomically(Path file, String text) {
        try {
            AtomicFiles.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Copies {@code from} to {@code to} atomically (a hard link when the filesystem allows). */
    static void copyAtomically(Path from, Path to) {
        try {
            Path dir = to.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + to.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createLink(tmp, from);
            } catch (IOException | UnsupportedOperationException e) {
                AtomicFiles.write(to, out -> Files.copy(from, out)); // no hard links here: a real copy
                return;
            }
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }
}
