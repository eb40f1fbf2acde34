package dev.erasure.eval.paper;

import dev.erasure.core.Csv;
import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.eval.RgbImage;
import dev.erasure.eval.judge.ImageFiles;
import dev.erasure.io.AtomicFiles;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.scheduler.SchedulerType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

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
 * The part every paper protocol shares: a folder with {@code protocol.json}, one subfolder per model
 * ({@code <model>/images/} with the images and their manifest, {@code <model>/judged.csv} with the judge's
 * verdict per image), generation that resumes where it stopped, and the pins written before and after.
 */
final class PaperRun {
    static final String JUDGED = "judged.csv";
    private final Path out;
    private final ProtocolRecord record;

    private PaperRun(Path out, ProtocolRecord record) {
        this.out = out;
        this.record = record;
    }

    static PaperRun start(Path out, String protocol, String reference, Map<String, Object> settings, PromptSet prompts) {
        ProtocolRecord r = ProtocolRecord.open(out, protocol, reference, settings);
        r.put("prompts", Pins.prompts(prompts));
        return new PaperRun(out, r);
    }

    /** The generation settings every image protocol pins (its own follow). */
    static Map<String, Object> generationSettings(PromptSet prompts, SchedulerType sampler, int samplingSteps, float guidance, int size) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("prompt_set", prompts.name());
        s.put("sampler", sampler == null ? "model scheduler_config" : sampler.name());
        s.put("sampling_steps", samplingSteps);
        s.put("guidance", guidance);
        s.put("size", size == 0 ? "model native" : size);
        s.put("seeds", "per row: evaluation_seed, torch.manual_seed(s); randn on the CPU");
        return s;
    }

    ProtocolRecord record() {
        return record;
    }

    Path out() {
        return out;
    }

    /** A model's subfolder; names become folder names, so only letters, digits, '.', '_' and '-'. */
    Path folder(String model) {
        if (model == null || !model.matches("[A-Za-z0-9._-]+") || model.equals(".") || model.equals("..")) {
            throw new IllegalArgumentException("model name '" + model + "' must be letters, digits, '.', '_' or '-' (it names a folder)");
        }
        return out.resolve(model);
    }

    /** Pins the model, then generates its missing images into {@code <model>/images}. */
    Protocol.Result generate(String model, Pipeline sd, Protocol protocol, ProgressListener listener) {
        record.model(model, Pins.model(sd));
        record.write(false);
        return protocol.run(sd, folder(model).resolve("images"), listener == null ? ProgressListener.NONE : listener);
    }

    /**
     * Judges a model's images unless their generation was cancelled. A cancellation (the kernel's interrupt,
     * a preempted shard) during the judging leaves the model's previous judgements as they were: the table
     * then shows what earlier runs judged, and the next run judges every image again.
     */
    static boolean judgeUnlessCancelled(Protocol.Result images, Runnable judging) {
        if (images.cancelled()) return false;
        try {
            judging.run();
            return true;
        } catch (CancelledException e) {
            return false;
        }
    }

    /** The generated images of a model, one map per manifest row (case_number, prompt, seed, file, label...), in prompt order. */
    static List<Map<String, String>> manifest(Protocol.Result generated) {
        Table t = generated.table();
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 0; i < t.rowCount(); i++) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String c : t.columnNames()) m.put(c, t.stringColumn(c).get(i));
            rows.add(m);
        }
        return rows;
    }

    /** The images of manifest rows, read from {@code folder} as the judges' reference code reads them. */
    static List<RgbImage> read(Path folder, List<Map<String, String>> rows) {
        List<RgbImage> out = new ArrayList<>(rows.size());
        for (Map<String, String> m : rows) out.add(RgbImage.of(ImageFiles.read(folder.resolve(m.get("file")))));
        return out;
    }

    void writeJudged(String model, List<String> header, List<List<String>> rows) {
        StringBuilder b = new StringBuilder(Csv.line(header));
        for (List<String> r : rows) b.append(Csv.line(r));
        Path file = folder(model).resolve(JUDGED);
        try {
            AtomicFiles.writeString(file, b.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A model's judged.csv as maps by column; empty when it has none yet. */
    List<Map<String, String>> judged(String model) {
        Path file = folder(model).resolve(JUDGED);
        if (!Files.isRegularFile(file)) return List.of();
        try {
            List<Csv.Record> records = Csv.parse(Files.readString(file, StandardCharsets.UTF_8));
            List<String> header = records.get(0).cells();
            List<Map<String, String>> out = new ArrayList<>();
            for (Csv.Record r : records.subList(1, records.size())) {
                Map<String, String> m = new LinkedHashMap<>();
                for (int c = 0; c < header.size(); c++) m.put(header.get(c), c < r.cells().size() ? r.cells().get(c) : "");
                out.add(m);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The models recorded in this folder whose judgements exist, in the order they first ran. */
    List<String> judgedModels() {
        return record.models().stream().filter(m -> Files.isRegularFile(out.resolve(m).resolve(JUDGED))).toList();
    }

    /**
     * Display precision for people (the CSV and protocol.json keep every digit): two decimals, four for
     * columns whose values are all below 1 in magnitude (cosines, LPIPS).
     */
    private static void readable(Table summary) {
        for (var col : summary.columns()) {
            if (!(col instanceof DoubleColumn c)) continue;
            boolean small = c.asList().stream().filter(v -> v != null && !Double.isNaN(v)).allMatch(v -> Math.abs(v) < 1);
            c.setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(small ? 4 : 2));
        }
    }

    /** Writes the results into protocol.json and the tables and chart beside it. */
    Evaluation finish(String protocol, Table summary, Table images, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart,
                      boolean complete) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < summary.rowCount(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : summary.columnNames()) m.put(c, summary.column(c).get(i));
            rows.add(m);
        }
        record.put("results", rows);
        record.write(complete);
        readable(summary);
        boolean drawable = chart != null && !chart.getSeriesMap().isEmpty(); // nothing judged yet: no chart
        return new Evaluation(protocol, out, summary, images, drawable ? chart : null, complete).save();
    }
}
