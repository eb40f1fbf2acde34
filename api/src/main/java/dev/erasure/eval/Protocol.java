package dev.erasure.eval;

import dev.erasure.core.PromptSet;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.viz.Png;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Generates the images of an evaluation protocol: one image per {@link PromptSet} row (its seed and guidance)
 * into a folder, named {@code <case_number>_0.png} as the EAP/ESD generator names them, with a CSV manifest
 * ({@code manifest.csv}: case_number, prompt, seed, guidance, steps (the sampling steps), height, width, file, label).
 *
 * <p>Resumable: a row whose image file and manifest row both exist is skipped, so a cancelled or crashed run
 * continues where it stopped. Images are written atomically, then their manifest row is appended and synced.
 * Cancelling (kernel interrupt, {@link dev.erasure.progress.Cancellation}) returns the partial result.
 *
 * <p>Defaults follow the papers (methods.md §7.1): 100 sampling steps, the model's native size (512 for SD-1.4).
 * The papers sample I2P, artists and COCO with LMS and Imagenette with DDIM: choose with {@link #scheduler}
 * (default: the model's own scheduler_config). A row's seed gives the latent of torch's CPU generator
 * ({@code torch.manual_seed(s); torch.randn(...)}); a script that draws on the GPU generator is not reproduced.
 */
public final class Protocol {
    public static final String MANIFEST = "manifest.csv";
    /** Sampling steps of the EAP/ESD/AdvUnlearn generators. */
    public static final int DEFAULT_SAMPLING_STEPS = 100;
    /** @deprecated "steps" meant several things; this is {@link #DEFAULT_SAMPLING_STEPS}. */
    @Deprecated
    public static final int DEFAULT_STEPS = DEFAULT_SAMPLING_STEPS;

    private final PromptSet prompts;
    private final int samplingSteps;
    private final int size;
    private final SchedulerType scheduler;

    private Protocol(PromptSet prompts, int samplingSteps, int size, SchedulerType scheduler) {
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        this.samplingSteps = samplingSteps;
        this.size = size;
        this.scheduler = scheduler;
    }

    public static Protocol of(PromptSet prompts) {
        return new Protocol(prompts, DEFAULT_SAMPLING_STEPS, 0, null);
    }

    /** Denoising steps of every image (default 100). */
    public Protocol samplingSteps(int n) {
        if (n <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + n);
        return new Protocol(prompts, n, size, scheduler);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps(int)}, the denoising steps. */
    @Deprecated
    public Protocol steps(int n) {
        return samplingSteps(n);
    }

    /** Square image size in pixels; 0 = the model's default. */
    public Protocol size(int px) {
        if (px < 0) throw new IllegalArgumentException("size must be ≥ 0, got " + px);
        return new Protocol(prompts, samplingSteps, px, scheduler);
    }

    /**
     * The sampler: {@link SchedulerType#LMS} as the papers' I2P, artist and COCO scripts construct it
     * (methods.md §7.1), DDIM for Imagenette; null (the default) = the model's own scheduler_config.
     * Recorded per image in the manifest, so a rerun with another sampler is refused, not mixed in.
     */
    public Protocol scheduler(SchedulerType type) {
        return new Protocol(prompts, samplingSteps, size, type);
    }

    /** Only the first {@code n} rows. */
    public Protocol limit(int n) {
        return new Protocol(prompts.limit(n), samplingSteps, size, scheduler);
    }

    /** The same protocol over only the rows {@code keep} accepts (one shard of a cluster run). */
    public Protocol only(Predicate<PromptSet.Row> keep) {
        return new Protocol(prompts.filter(keep), samplingSteps, size, scheduler);
    }

    public PromptSet prompts() {
        return prompts;
    }

    /** Denoising steps of every image. */
    public int samplingSteps() {
        return samplingSteps;
    }

    /** The sampler; null = the model's own scheduler_config. */
    public SchedulerType scheduler() {
        return scheduler;
    }

    /**
     * What a run did.
     *
     * @param generated images made by this call
     * @param skipped   rows already done by an earlier run
     * @param total     rows of the protocol
     * @param cancelled whether the run stopped early at a cancellation request
     */
    public record Result(Path folder, int generated, int skipped, int total, boolean cancelled) {
        public Path manifest() {
            return folder.resolve(MANIFEST);
        }

        public boolean complete() {
            return !cancelled && generated + skipped == total;
        }

        /** The manifest as a table (all columns as strings). */
        public Table table() {
            List<Map<String, String>> rows = Manifest.open(manifest()).rows();
            Table t = Table.create(folder.getFileName() + "/" + MANIFEST);
            for (String c : Manifest.COLUMNS) {
                t.addColumns(StringColumn.create(c, rows.stream().map(r -> r.get(c)).toList()));
            }
            return t;
        }
    }

    public Result run(StableDiffusion sd, Path folder) {
        return run(sd, folder, ProgressListener.NONE);
    }

    /** Generates the missing images into {@code folder}; reports one progress unit per image. */
    public Result run(StableDiffusion sd, Path folder, ProgressListener listener) {
        requireUniqueCases();
        int px = size == 0 ? sd.defaultImageSize() : size;
        Manifest manifest = Manifest.open(createFolder(folder).resolve(MANIFEST));
        List<PromptSet.Row> todo = prompts.rows().stream().filter(r -> !done(r, manifest, folder, px)).toList();
        int skipped = prompts.size() - todo.size();
        int generated = 0;
        try (Task task = Task.start("generate " + prompts.name(), todo.size(), listener)) {
            for (PromptSet.Row row : todo) {
                Cancellation.checkIfStopRequested(); // a preempted shard stops between images
                Generation g = Generation.of(row.prompt()).seed(row.seed()).samplingSteps(samplingSteps).guidance(row.guidance())
                        .size(px, px).scheduler(scheduler);
                BufferedImage image = sd.generate(g);
                String file = fileName(row);
                Png.write(image, folder.resolve(file));
                manifest.add(List.of(row.caseNumber(), row.prompt(), Long.toString(row.seed()),
                        Float.toString(row.guidance()), Integer.toString(samplingSteps), Integer.toString(px),
                        Integer.toString(px), file, row.label(), schedulerName()));
                generated++;
                task.step(1, null, "case " + row.caseNumber());
            }
        } catch (CancelledException e) {
            return new Result(folder, generated, skipped, prompts.size(), true);
        }
        return new Result(folder, generated, skipped, prompts.size(), false);
    }

    /** Done = image and manifest row exist; a row made with other settings is an error, not silently reused. */
    private boolean done(PromptSet.Row row, Manifest manifest, Path folder, int px) {
        Map<String, String> m = manifest.row(row.caseNumber());
        if (m == null || !Files.isRegularFile(folder.resolve(m.get("file")))) return false;
        List<String> expected = List.of(row.prompt(), Long.toString(row.seed()), Float.toString(row.guidance()),
                Integer.toString(samplingSteps), Integer.toString(px), schedulerName());
        List<String> found = List.of(m.get("prompt"), m.get("seed"), m.get("guidance"), m.get("steps"), m.get("height"),
                m.get("scheduler"));
        if (!expected.equals(found)) {
            throw new IllegalStateException(folder + ": case " + row.caseNumber() + " was generated with (prompt, seed, "
                    + "guidance, sampling steps, size, scheduler) = " + found + ", this run asks for " + expected + "; use another folder");
        }
        return true;
    }

    /** The manifest's scheduler cell: "" for the model's own scheduler_config. */
    private String schedulerName() {
        return scheduler == null ? "" : scheduler.name().toLowerCase(Locale.ROOT);
    }

    private void requireUniqueCases() {
        Set<String> seen = new HashSet<>();
        for (PromptSet.Row r : prompts) {
            if (!seen.add(r.caseNumber())) {
                throw new IllegalArgumentException(prompts.name() + ": case number " + r.caseNumber()
                        + " occurs twice; image files are named by case number");
            }
        }
    }

    /** {@code <case_number>_0.png}, with characters unsafe in file names replaced. */
    static String fileName(PromptSet.Row row) {
        return row.caseNumber().replaceAll("[^A-Za-z0-9._-]", "_") + "_0.png";
    }

    private static Path createFolder(Path folder) {
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
    }
}
