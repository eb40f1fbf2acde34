package dev.erasure.sweep;

import dev.erasure.core.Csv;
import dev.erasure.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep's result file: a header and one row per finished configuration, keyed by its id (first
 * column). Every added row rewrites the file through a temporary and an atomic rename, so a crash
 * leaves either the old or the new file, never a torn row.
 */
final class ResultsCsv {
    private final Path file;
    private final List<String> header;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();

    private ResultsCsv(Path file, List<String> header) {
        this.file = file;
        this.header = List.copyOf(header);
    }

    /** Opens (or starts) the file; an existing one must have the same header. */
    static ResultsCsv open(Path file, List<String> header) {
        ResultsCsv r = new ResultsCsv(file, header);
        if (file == null || !Files.exists(file)) return r;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep results " + file, e);
        }
        List<Csv.Record> records = Csv.parse(text);
        if (records.isEmpty()) return r;
        if (!records.get(0).cells().equals(header)) {
            throw new IllegalArgumentException("sweep results " + file + " have columns " + records.get(0).cells()
                    + " but this sweep writes " + header + "; use another file for a different sweep");
        }
        for (Csv.Record rec : records.subList(1, records.size())) {
            if (rec.terminated() && rec.cells().size() == header.size()) r.rows.put(rec.cells().get(0), rec.cells());
        }
        return r;
    }

    boolean has(String id) {
        return rows.containsKey(id);
    }

    List<String> row(String id) {
        return rows.get(id);
    }

    void add(List<String> row) {
        rows.put(row.get(0), List.copyOf(row));
        if (file == null) return;
        StringBuilder b = new StringBuilder(Csv.line(header));
        for (List<String> r : rows.values()) b.append(Csv.line(r));
        try {
            AtomicFiles.writeString(file, b.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sweep results " + file, e);
        }
    }
}
