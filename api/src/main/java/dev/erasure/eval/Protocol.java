package dev.erasure.eval;

import dev.erasure.core.PromptSet;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Generation;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.viz.Png;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Generates the images of an evaluation protocol: {@link #imagesPerPrompt} images (default 1) per
 * {@link PromptSet} row (its seed and guidance) into a folder, named {@code <case_number>_<i>.png} as the
 * EAP/ESD generator names them, with a CSV manifest ({@code manifest.csv}: case_number, prompt, seed, guidance,
 * steps (the sampling steps), height, width, file, label, scheduler, images_per_seed). Image i of a row starts
 * from the i-th latent of one draw from its seed, as the official generators batch them ({@link Generation#imageOf}).
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
    private final int imagesPerPrompt;

    private Protocol(PromptSet prompts, int samplingSteps, int size, SchedulerType scheduler, int imagesPerPrompt) {
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        this.samplingSteps = samplingSteps;
        this.size = size;
        this.scheduler = scheduler;
        this.imagesPerPrompt = imagesPerPrompt;
    }

    public static Protocol of(PromptSet prompts) {
        return new Protocol(prompts, DEFAULT_SAMPLING_STEPS, 0, null, 1);
    }

    /** Images per row, all drawn from its one seed (EAP's artist protocol: 5); default 1. */
    public Protocol imagesPerPrompt(int n) {
        if (n <= 0) throw new IllegalArgumentException("imagesPerPrompt must be > 0, got " + n);
        return new Protocol(prompts, samplingSteps, size, scheduler, n);
    }

    public int imagesPerPrompt() {
        return imagesPerPrompt;
    }

    /** Denoising steps of every image (default 100). */
    public Protocol samplingSteps(int n) {
        if (n <= 0) throw new IllegalArgumentException("samplingSteps must be > 0, got " + n);
        return new Protocol(prompts, n, size, scheduler, imagesPerPrompt);
    }

    /** @deprecated "steps" meant several things; this is {@link #samplingSteps(int)}, the denoising steps. */
    @Deprecated
    public Protocol steps(int n) {
        return samplingSteps(n);
    }

    /** Square image size in pixels; 0 = the model's default. */
    public Protocol size(int px) {
        if (px < 0) throw new IllegalArgumentException("size must be ≥ 0, got " + px);
        return new Protocol(prompts, samplingSteps, px, scheduler, imagesPerPrompt);
    }

    /**
     * The sampler: {@link SchedulerType#LMS} as the papers' I2P, artist and COCO scripts construct it
     * (methods.md §7.1), DDIM for Imagenette; null (the default) = the model's own scheduler_config.
     * Recorded per image in the manifest, so a rerun with another sampler is refused, not mixed in.
     */
    public Protocol scheduler(SchedulerType type) {
        return new Protocol(prompts, samplingSteps, size, type, imagesPerPrompt);
    }

    /** Only the first {@code n} rows. */
    public Protocol limit(int n) {
        return new Protocol(prompts.limit(n), samplingSteps, size, scheduler, imagesPerPrompt);
    }

    /** The same protocol over only the rows {@code keep} accepts (one shard of a cluster run). */
    public Protocol only(Predicate<PromptSet.Row> keep) {
        return new Protocol(prompts.filter(keep), samplingSteps, size, scheduler, imagesPerPrompt);
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
     * @param skipped   images already made by an earlier run
     * @param total     images of the protocol (rows × images per prompt)
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

    public Result run(Pipeline sd, Path folder) {
        return run(sd, folder, ProgressListener.NONE);
    }

    /** Generates the missing images into {@code folder}; reports one progress unit per image. */
    public Result run(Pipeline sd, Path folder, ProgressListener listener) {
        requireUniqueCases();
        int px = size == 0 ? sd.defaultImageSize() : size;
        Manifest manifest = Manifest.open(createFolder(folder).resolve(MANIFEST));
        int total = prompts.size() * imagesPerPrompt;
        List<int[]> todo = new ArrayList<>(); // {row, image}
        for (int r = 0; r < prompts.size(); r++) {
            for (int i = 0; i < imagesPerPrompt; i++) if (!done(prompts.get(r), i, manifest, folder, px)) todo.add(new int[] {r, i});
        }
        int skipped = total - todo.size();
        int generated = 0;
        try (Task task = Task.start("generate " + prompts.name(), todo.size(), listener)) {
            for (int[] job : todo) {
                Cancellation.checkIfStopRequested(); // a preempted shard stops between images
                PromptSet.Row row = prompts.get(job[0]);
                Generation g = Generation.of(row.prompt()).seed(row.seed()).samplingSteps(samplingSteps).guidance(row.guidance())
                        .size(px, px).scheduler(scheduler).imageOf(job[1], imagesPerPrompt);
                BufferedImage image = sd.generate(g);
                String file = fileName(row, job[1]);
                Png.write(image, folder.resolve(file));
                manifest.add(List.of(row.caseNumber(), row.prompt(), Long.toString(row.seed()),
                        Float.toString(row.guidance()), Integer.toString(samplingSteps), Integer.toString(px),
                        Integer.toString(px), file, row.label(), schedulerName(), Integer.toString(imagesPerPrompt)));
                generated++;
                task.step(1, null, "case " + row.caseNumber() + (imagesPerPrompt > 1 ? " image " + job[1] : ""));
            }
        } catch (CancelledException e) {
            return new Result(folder, generated, skipped, total, true);
        }
        return new Result(folder, generated, skipped, total, false);
    }

    /** Done = image and manifest row exist; a row made with other settings is an error, not silently reused. */
    private boolean done(PromptSet.Row row, int image, Manifest manifest, Path folder, int px) {
        String file = fileName(row, image);
        Map<String, String> m = manifest.row(file);
        if (m == null || !Files.isRegularFile(folder.resolve(file))) return false;
        List<String> expected = List.of(row.prompt(), Long.toString(row.seed()), Float.toString(row.guidance()),
                Integer.toString(samplingSteps), Integer.toString(px), schedulerName(), Integer.toString(imagesPerPrompt));
        List<String> found = List.of(m.get("prompt"), m.get("seed"), m.get("guidance"), m.get("steps"), m.get("height"),
                m.get("scheduler"), m.get("images_per_seed"));
        if (!expected.equals(found)) {
            throw new IllegalStateException(folder + ": " + file + " was generated with (prompt, seed, guidance, sampling "
                    + "steps, size, scheduler, images per seed) = " + found + ", this run asks for " + expected + "; use another folder");
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

    /** {@code <case_number>_<image>.png}, with characters unsafe in file names replaced. */
    public static String fileName(PromptSet.Row row, int image) {
        return row.caseNumber().replaceAll("[^A-Za-z0-9._-]", "_") + "_" + image + ".png";
    }

    private static Path createFolder(Path folder) {
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
    }
}
