package dev.erasure.eval.paper;

import dev.erasure.io.AtomicFiles;
import dev.erasure.viz.Charts;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * What a paper protocol produced: the paper's table (one row per model or split), the per-image judgements
 * behind it, the paper's chart, and the folder holding the images, {@code protocol.json} (every pin) and
 * the same tables as CSV and the chart as PNG. In a notebook it shows as its summary table.
 *
 * @param chart    the paper's chart; null while no model of the folder has been judged (a run interrupted early)
 * @param complete false when the run was cancelled or limited: the numbers then cover fewer images than the paper's
 */
public record Evaluation(String protocol, Path folder, Table summary, Table images, Chart<?, ?> chart, boolean complete) {
    public static final String SUMMARY = "summary.csv";
    public static final String IMAGES = "images.csv";
    public static final String CHART = "chart.png";

    /** The pins: {@code protocol.json} in the folder. */
    public Path record() {
        return folder.resolve(ProtocolRecord.FILE);
    }

    /** Notebook display: the summary table. */
    public Table toTable() {
        return summary;
    }

    /** Writes summary.csv, images.csv and chart.png into the folder (each atomically). */
    Evaluation save() {
        try {
            AtomicFiles.writeString(folder.resolve(SUMMARY), summary.write().toString("csv"));
            AtomicFiles.writeString(folder.resolve(IMAGES), images.write().toString("csv"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tables into " + folder, e);
        }
        if (chart != null) Charts.png(chart, folder.resolve(CHART));
        return this;
    }

    @Override
    public String toString() {
        return protocol + (complete ? "" : " (partial)") + " — " + folder + "\n" + summary.print();
    }
}
