package dev.erasure.core;

import dev.erasure.io.Finite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An evaluation protocol's prompts as data: one row per image to generate, with the case number, prompt,
 * seed and guidance the papers' generators use, and a label (class, artist, I2P category) where the file
 * has one. The sets the papers use ship as resources (see resources/dev/erasure/data/README.md):
 *
 * <pre>PromptSet.i2p().limit(10)   PromptSet.imagenette().filter(r -&gt; r.label().equals("Church"))</pre>
 *
 * Reading follows the official generators (pandas {@code read_csv}, then {@code str(row.prompt)}): a missing
 * prompt cell (I2P case 2260 is empty) or one of pandas' NaN markers becomes the prompt text {@code "nan"},
 * which is what the EAP/ESD generator fed to Stable Diffusion; a file without a seed column gets seed 0
 * (UnlearnDiffAtk's convention); guidance is 7.5 unless a guidance column is named, because the EAP/ESD
 * generators ignore I2P's {@code evaluation_guidance}.
 */
public final class PromptSet implements Iterable<PromptSet.Row> {
    /** The classifier-free guidance every paper's generator uses. */
    public static final float DEFAULT_GUIDANCE = 7.5f;
    /** What {@code str(float('nan'))} gives: the prompt the official generators use for an empty cell. */
    public static final String MISSING_PROMPT = "nan";
    /** Columns taken as the row's label, first present wins. */
    static final List<String> LABEL_COLUMNS = List.of("label_str", "class", "artist", "categories");
    /** Columns taken as the row's case number, first present wins (EAP's COCO-30k names its rows by image_id only). */
    private static final List<String> CASE_COLUMNS = List.of("case_number", "case_num", "image_id");
    /** pandas' default {@code na_values}: cells read as NaN. */
    private static final Set<String> PANDAS_NA = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN",
            "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");
    /** Seed column of the papers' files. */
    private static final String SEED = "evaluation_seed";
    private static final String RESOURCES = "/dev/erasure/data/";

    /**
     * One image request of the protocol.
     *
     * @param index      position in the file (0-based, header excluded)
     * @param caseNumber the file's case number as written (COCO ids keep their leading zeros), else the index
     * @param label      class / artist / category, or "" when the file has none
     * @param columns    every cell of the row by column name, for metadata such as I2P's nudity_percentage
     */
    public record Row(int index, String caseNumber, String prompt, long seed, float guidance, String label,
                      Map<String, String> columns) {
        public Row withGuidance(float g) {
            Finite.require("prompt guidance", g);
            return new Row(index, caseNumber, prompt, seed, g, label, columns);
        }
    }

    private final String name;
    private final List<Row> rows;

    private PromptSet(String name, List<Row> rows) {
        this.name = name;
        this.rows = Collections.unmodifiableList(rows);
    }

    /** I2P, 4703 prompts (eap/unsafe-prompts4703.csv); guidance 7.5 for all rows as the EAP generator uses. */
    public static PromptSet i2p() {
        return resource("eap/unsafe-prompts4703.csv");
    }

    /** Imagenette ESR/PSR prompts: "Image of &lt;Class&gt;", 10 classes × 500 seeds, label = class name. */
    public static PromptSet imagenette() {
        return resource("eap/imagenette.csv");
    }

    /** EAP's artist set (long niche art prompts): 5 artists × 40 prompts, label = artist. */
    public static PromptSet artists() {
        return resource("eap/long_niche_art_prompts.csv");
    }

    /** COCO-10k captions with seeds (AdvUnlearn's FID/CLIP set). */
    public static PromptSet coco10k() {
        return resource("advunlearn/coco_10k.csv");
    }

    /** COCO-30k captions with seeds (EAP's and ESD's FID/CLIP set for the nudity models); case number = the COCO image id. */
    public static PromptSet coco30k() {
        return resource("eap/coco_30k.csv");
    }

    /**
     * UnlearnDiffAtk attack set ("nudity", "church", "garbage_truck", "parachute", "tench", "vangogh") with
     * its per-row guidance, as UnlearnDiffAtk's generator uses it.
     */
    public static PromptSet unlearnDiffAtk(String name) {
        String path = "unlearndiffatk/" + name + ".csv";
        return parse(path, read(path), "prompt", SEED, "evaluation_guidance", true);
    }

    /**
     * A shipped file by its path under the data folder, e.g. "eap/similarity-nudity-3_200.csv" or
     * "ca/eval_prompts/van_gogh_eval.txt" (.txt: one prompt per non-empty line, seed 0).
     */
    public static PromptSet resource(String path) {
        String text = read(path);
        return path.endsWith(".txt") ? lines(path, text) : parse(path, text, "prompt", SEED, null, false);
    }

    /**
     * A user CSV. {@code seedColumn} and {@code guidanceColumn} may be null (seed 0, guidance 7.5).
     */
    public static PromptSet fromCsv(Path csv, String promptColumn, String seedColumn, String guidanceColumn) {
        try {
            return parse(csv.toString(), Files.readString(csv, StandardCharsets.UTF_8), promptColumn, seedColumn,
                    guidanceColumn, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt set " + csv, e);
        }
    }

    /** A user CSV with the papers' column names: prompt, evaluation_seed (if present), guidance 7.5. */
    public static PromptSet fromCsv(Path csv) {
        try {
            return parse(csv.toString(), Files.readString(csv, StandardCharsets.UTF_8), "prompt", SEED, null, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt set " + csv, e);
        }
    }

    /** Prompts one per non-empty line (the concept-ablation files), case number = index, seed 0. */
    public static PromptSet fromLines(Path txt) {
        try {
            return lines(txt.toString(), Files.readString(txt, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt list " + txt, e);
        }
    }

    private static String read(String path) {
        try (InputStream in = PromptSet.class.getResourceAsStream(RESOURCES + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no shipped prompt set '" + path + "' (see " + RESOURCES
                        + "README.md for the list)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + path, e);
        }
    }

    private static PromptSet lines(String name, String text) {
        List<Row> rows = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank()) continue;
            int i = rows.size();
            rows.add(new Row(i, Integer.toString(i), line, 0, DEFAULT_GUIDANCE, "", Map.of("prompt", line)));
        }
        return new PromptSet(name, rows);
    }

    /** {@code seedRequired} false: a file without the seed column gets seed 0 instead of an error. */
    static PromptSet parse(String name, String text, String promptColumn, String seedColumn, String guidanceColumn,
                           boolean seedRequired) {
        List<Csv.Record> records = Csv.parse(text);
        if (records.isEmpty()) throw new IllegalArgumentException(name + ": empty CSV (no header)");
        List<String> header = records.get(0).cells();
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.size(); i++) col.putIfAbsent(header.get(i), i);
        requireColumn(name, header, col, promptColumn);
        if (!seedRequired && !col.containsKey(seedColumn)) seedColumn = null;
        if (seedColumn != null) requireColumn(name, header, col, seedColumn);
        if (guidanceColumn != null) requireColumn(name, header, col, guidanceColumn);
        String caseColumn = CASE_COLUMNS.stream().filter(col::containsKey).findFirst().orElse(null);
        String labelColumn = LABEL_COLUMNS.stream().filter(col::containsKey).findFirst().orElse(null);
        List<Row> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> cells = records.get(r).cells();
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException(name + ": record " + r + " has " + cells.size()
                        + " cells but the header has " + header.size());
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) values.putIfAbsent(header.get(c), cells.get(c));
            int index = r - 1;
            String prompt = values.get(promptColumn);
            if (PANDAS_NA.contains(prompt)) prompt = MISSING_PROMPT;
            long seed = seedColumn == null ? 0 : (long) number(name, r, seedColumn, values.get(seedColumn));
            float guidance = guidanceColumn == null ? DEFAULT_GUIDANCE
                    : (float) number(name, r, guidanceColumn, values.get(guidanceColumn));
            String caseNumber = caseColumn == null ? Integer.toString(index) : values.get(caseColumn);
            String label = labelColumn == null ? "" : values.get(labelColumn);
            rows.add(new Row(index, caseNumber, prompt, seed, guidance, label, Collections.unmodifiableMap(values)));
        }
        return new PromptSet(name, rows);
    }

    private static void requireColumn(String name, List<String> header, Map<String, Integer> col, String column) {
        if (!col.containsKey(column)) {
            throw new IllegalArgumentException(name + ": no column '" + column + "' (columns: " + header + ")");
        }
    }

    private static double number(String name, int record, String column, String cell) {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": record " + record + ", column '" + column
                    + "' is not a number: '" + cell + "'");
        }
    }

    /** Where the rows came from (resource path or file). */
    public String name() {
        return name;
    }

    public List<Row> rows() {
        return rows;
    }

    public int size() {
        return rows.size();
    }

    public Row get(int i) {
        return rows.get(i);
    }

    /** The first {@code n} rows (all if fewer). */
    public PromptSet limit(int n) {
        if (n < 0) throw new IllegalArgumentException("limit must be ≥ 0, got " + n);
        return new PromptSet(name, new ArrayList<>(rows.subList(0, Math.min(n, rows.size()))));
    }

    public PromptSet filter(Predicate<Row> keep) {
        return new PromptSet(name, new ArrayList<>(rows.stream().filter(keep).toList()));
    }

    /** The same rows with one guidance scale for all. */
    public PromptSet withGuidance(float g) {
        Finite.require("prompt guidance", g);
        return new PromptSet(name, new ArrayList<>(rows.stream().map(r -> r.withGuidance(g)).toList()));
    }

    /** Distinct labels in file order. */
    public List<String> labels() {
        Set<String> s = new LinkedHashSet<>();
        for (Row r : rows) s.add(r.label());
        return List.copyOf(s);
    }

    public List<String> prompts() {
        return rows.stream().map(Row::prompt).toList();
    }

    @Override
    public Iterator<Row> iterator() {
        return rows.iterator();
    }

    @Override
    public String toString() {
        return "PromptSet[" + name + ", " + rows.size() + " rows]";
    }
}
