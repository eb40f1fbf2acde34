package dev.erasure.cluster;

import dev.erasure.core.Csv;
import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.sweep.Configuration;
import dev.erasure.sweep.Sweep;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shards' outputs gathered into what one machine would have written: the sweep table (the very
 * table {@link Sweep#run()} returns, built by the sweep itself from the merged CSV, so types and order
 * are the same) and one protocol folder with every image and one manifest in prompt order.
 * Merging reads only and writes only under merged/, so it can run any number of times, also while
 * shards still run; a partial merge says which items are missing.
 *
 * @param table      the merged table (the sweep's, or the protocol manifest's); finished items only
 * @param missing    ids / case numbers of the study not found in any shard output
 * @param duplicates items found in more than one shard output with different content (the first is kept)
 * @param output     merged/sweep.csv or the merged/protocol folder
 */
public record Merged(Table table, List<String> missing, List<String> duplicates, Path output) {
    public boolean complete() {
        return missing.isEmpty();
    }

    public String summary() {
        String what = output.getFileName().toString();
        return what + ": " + table.rowCount() + " of " + (table.rowCount() + missing.size()) + " items"
                + (missing.isEmpty() ? "" : ", missing " + abbreviate(missing))
                + (duplicates.isEmpty() ? "" : ", conflicting duplicates " + abbreviate(duplicates));
    }

    private static String abbreviate(List<String> items) {
        return items.size() <= 5 ? items.toString() : items.subList(0, 5) + " and " + (items.size() - 5) + " more";
    }

    /** Gathers sweep/shard-*.csv into merged/sweep.csv and the sweep's table. */
    public static Merged sweep(Sweep sweep, ResultsDir dir) {
        List<Configuration> configs = sweep.configurations();
        Set<String> known = new HashSet<>(configs.stream().map(Configuration::id).toList());
        Set<String> paramNames = new LinkedHashSet<>();
        configs.forEach(c -> paramNames.addAll(c.params().keySet()));
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        Set<String> duplicates = new LinkedHashSet<>();
        List<String> tail = null;
        for (Path f : dir.shardEntries("sweep", ".csv")) {
            List<Csv.Record> records = Csv.parse(read(f));
            if (records.isEmpty()) continue;
            List<String> header = records.get(0).cells();
            if (header.isEmpty() || !header.get(0).equals("id")) throw new IllegalArgumentException(f + " is not a sweep results file");
            List<String> fileTail = header.stream().filter(h -> !h.equals("id") && !paramNames.contains(h)).toList();
            if (tail == null) tail = fileTail;
            else if (!tail.equals(fileTail)) {
                throw new IllegalArgumentException(f + " has metric columns " + fileTail + ", other shards " + tail
                        + "; results of two different sweeps are in " + dir.root());
            }
            for (Csv.Record r : records.subList(1, records.size())) {
                if (!r.terminated() || r.cells().size() != header.size()) continue;
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) row.put(header.get(i), r.cells().get(i));
                String id = row.get("id");
                if (!known.contains(id)) throw new IllegalArgumentException(f + " has configuration '" + id + "', which this sweep does not have");
                Map<String, String> first = rows.putIfAbsent(id, row);
                if (first != null && !sameIgnoring(first, row, "seconds")) duplicates.add(id);
            }
        }
        List<Configuration> finished = configs.stream().filter(c -> rows.containsKey(c.id())).toList();
        List<String> missing = configs.stream().map(Configuration::id).filter(id -> !rows.containsKey(id)).toList();
        Path csv = dir.mergedSweepCsv();
        if (finished.isEmpty()) {
            return new Merged(Table.create("sweep"), missing, List.copyOf(duplicates), csv);
        }
        // the header Sweep.run() writes for these configurations: id, their parameters in order, metrics, loss curve
        List<String> header = new ArrayList<>();
        header.add("id");
        Set<String> params = new LinkedHashSet<>();
        finished.forEach(c -> params.addAll(c.params().keySet()));
        header.addAll(params);
        header.addAll(tail);
        StringBuilder b = new StringBuilder(Csv.line(header));
        for (Configuration c : finished) b.append(Csv.line(header.stream().map(h -> rows.get(c.id()).getOrDefault(h, "")).toList()));
        ResultsDir.writeAtomically(csv, b.toString());
        Set<String> done = new HashSet<>(finished.stream().map(Configuration::id).toList());
        Table t = sweep.only(c -> done.contains(c.id())).resultsCsv(csv).run(); // every row is there: nothing runs
        return new Merged(t, missing, List.copyOf(duplicates), csv);
    }

    /** Wall time differs from machine to machine; the same configuration run twice is still the same result. */
    private static boolean sameIgnoring(Map<String, String> a, Map<String, String> b, String column) {
        Map<String, String> x = new LinkedHashMap<>(a);
        Map<String, String> y = new LinkedHashMap<>(b);
        x.remove(column);
        y.remove(column);
        return x.equals(y);
    }

    /** Gathers protocol/shard-*&#47; into merged/protocol: every image once, one manifest in prompt order. */
    public static Merged protocol(Protocol protocol, ResultsDir dir) {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        Map<String, Path> images = new LinkedHashMap<>();
        Set<String> duplicates = new LinkedHashSet<>();
        List<String> header = null;
        for (Path folder : dir.shardEntries("protocol", "")) {
            Path manifest = folder.resolve(Protocol.MANIFEST);
            if (!Files.isRegularFile(manifest)) continue;
            List<Csv.Record> records = Csv.parse(read(manifest));
            if (records.isEmpty()) continue;
            if (header == null) header = records.get(0).cells();
            else if (!header.equals(records.get(0).cells())) throw new IllegalArgumentException(manifest + " has other columns than " + header);
            for (Csv.Record r : records.subList(1, records.size())) {
                if (!r.terminated() || r.cells().size() != header.size()) continue;
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) row.put(header.get(i), r.cells().get(i));
                Path image = folder.resolve(row.get("file"));
                if (!Files.isRegularFile(image)) continue; // row of an image that was never written: not done
                String caseNumber = row.get("case_number");
                Map<String, String> first = rows.putIfAbsent(caseNumber, row);
                if (first == null) images.put(caseNumber, image);
                else if (!first.equals(row) || !sameBytes(images.get(caseNumber), image)) duplicates.add(caseNumber);
            }
        }
        List<PromptSet.Row> all = protocol.prompts().rows();
        List<String> missing = all.stream().map(PromptSet.Row::caseNumber).filter(c -> !rows.containsKey(c)).toList();
        Path out = dir.mergedProtocolFolder();
        List<PromptSet.Row> done = all.stream().filter(r -> rows.containsKey(r.caseNumber())).toList();
        if (header != null) {
            StringBuilder b = new StringBuilder(Csv.line(header));
            for (PromptSet.Row r : done) {
                Map<String, String> row = rows.get(r.caseNumber());
                ResultsDir.copyAtomically(images.get(r.caseNumber()), out.resolve(row.get("file")));
                b.append(Csv.line(header.stream().map(row::get).toList()));
            }
            ResultsDir.writeAtomically(out.resolve(Protocol.MANIFEST), b.toString());
        }
        Table t = header == null ? Table.create("protocol")
                : new Protocol.Result(out, 0, done.size(), all.size(), false).table();
        return new Merged(t, missing, List.copyOf(duplicates), out);
    }

    private static boolean sameBytes(Path a, Path b) {
        try {
            return Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }
}
