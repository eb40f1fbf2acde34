package dev.erasure.eval;

import dev.erasure.core.Csv;
import dev.erasure.io.AtomicFiles;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CSV manifest of a generation run: one row per finished image (keyed by its file), appended and flushed to disk
 * (fsync) as soon as the image exists. A run killed while appending leaves at most one torn last
 * record; it is dropped (and cut off the file) when the manifest is opened again.
 */
final class Manifest {
    // "steps" is the sampling steps: the column keeps its name so that folders written before the rename still resume
    static final List<String> COLUMNS = List.of("case_number", "prompt", "seed", "guidance", "steps", "height",
            "width", "file", "label", "scheduler", "images_per_seed");
    /**
     * What the columns added later mean in a manifest written before them: its images were made with the
     * model's own scheduler ("") and one latent per seed.
     */
    private static final Map<String, String> ADDED_LATER = Map.of("scheduler", "", "images_per_seed", "1");

    private final Path file;
    private final Map<String, Map<String, String>> rows = new LinkedHashMap<>();

    private Manifest(Path file) {
        this.file = file;
    }

    /** Opens (or creates) the manifest, keeping only complete records. */
    static Manifest open(Path file) {
        Manifest m = new Manifest(file);
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                m.append(COLUMNS);
                return m;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<Csv.Record> records = Csv.parse(text);
            List<String> header = records.get(0).cells();
            boolean legacy = header.size() < COLUMNS.size() && header.equals(COLUMNS.subList(0, header.size()))
                    && ADDED_LATER.keySet().containsAll(COLUMNS.subList(header.size(), COLUMNS.size()));
            if (!legacy && !header.equals(COLUMNS)) {
                throw new IllegalStateException(file + " is not a generation manifest (header "
                        + header + ", expected " + COLUMNS + ")");
            }
            int validEnd = records.get(0).end();
            for (Csv.Record r : records.subList(1, records.size())) {
                if (!r.terminated() || r.cells().size() != header.size()) break;
                Map<String, String> row = new LinkedHashMap<>();
                for (int c = 0; c < COLUMNS.size(); c++) {
                    row.put(COLUMNS.get(c), c < header.size() ? r.cells().get(c) : ADDED_LATER.get(COLUMNS.get(c)));
                }
                m.rows.put(row.get("file"), row);
                validEnd = r.end();
            }
            if (legacy) { // rewritten once with the columns added later, atomically
                StringBuilder b = new StringBuilder(Csv.line(COLUMNS));
                for (Map<String, String> row : m.rows.values()) b.append(Csv.line(COLUMNS.stream().map(row::get).toList()));
                AtomicFiles.writeString(file, b.toString());
                return m;
            }
            int bytes = text.substring(0, validEnd).getBytes(StandardCharsets.UTF_8).length;
            if (bytes < Files.size(file)) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(bytes);
                }
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + file, e);
        }
    }

    /** The recorded row of an image file (name within the folder), or null. */
    Map<String, String> row(String file) {
        return rows.get(file);
    }

    int size() {
        return rows.size();
    }

    /** Appends one row (values in {@link #COLUMNS} order) and forces it to disk. */
    void add(List<String> values) {
        append(values);
        Map<String, String> row = new LinkedHashMap<>();
        for (int c = 0; c < COLUMNS.size(); c++) row.put(COLUMNS.get(c), values.get(c));
        rows.put(row.get("file"), row);
    }

    private void append(List<String> cells) {
        // java.io, not an NIO channel: Thread.interrupt() would close the channel and lose the row
        try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
            out.write(Csv.line(cells).getBytes(StandardCharsets.UTF_8));
            out.getFD().sync();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to manifest " + file, e);
        }
    }

    List<Map<String, String>> rows() {
        return new ArrayList<>(rows.values());
    }
}
