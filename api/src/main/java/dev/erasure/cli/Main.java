package dev.erasure.cli;

import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.viz.ImageGrid;
import dev.erasure.viz.Png;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Command line: {@code quickstart} (an image grid from the embedded default model) and
 * {@code generate} (one prompt on any SD-1.x diffusers folder or single-file checkpoint).
 * Run through the {@code ./erasure} script at the repository root.
 */
public final class Main {
    private Main() {
    }

    /** The flags each command takes; any other is a usage error, not silently ignored. */
    private static final Map<String, Set<String>> FLAGS = Map.of(
            "quickstart", Set.of("model", "target", "iterations", "out"),
            "shapeworld-bench", Set.of("model", "methods", "sets", "max-sets", "images", "iterations", "asr", "out"),
            "shapeworld-frontier", ShapeWorldFrontierCommand.FLAGS,
            "grid", Set.of("model", "out", "sampling-steps", "device", "dtype"),
            "generate", Set.of("model", "prompt", "seed", "sampling-steps", "guidance", "size", "device", "dtype", "out"),
            "evaluate", EvaluateCommand.FLAGS);

    /**
     * Old flag → its new name, per command: "--steps" meant the θ updates of an erasure or the denoising
     * steps of a generation. The old names are still accepted, with a one-line note; the usage shows the new.
     */
    private static final Map<String, Map<String, String>> RENAMED = Map.of(
            "quickstart", Map.of("steps", "iterations"),
            "shapeworld-bench", Map.of("steps", "iterations"),
            "shapeworld-frontier", Map.of("steps", "iterations", "method-steps", "method-iterations"),
            "grid", Map.of("steps", "sampling-steps"),
            "generate", Map.of("steps", "sampling-steps"));

    /** A mistake in the command line: exit 2 with a usage hint. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        int code = run(args, System.err);
        if (code != 0) System.exit(code);
    }

    /**
     * Runs a command; every argument is checked before any model loads. A user error is one line on
     * {@code err} (no stack trace): exit 2 for a usage error, 1 for a failure (a missing or corrupt
     * model, a full disk). {@code -Derasure.debug=true} adds the stack trace.
     */
    static int run(String[] args, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            return 0;
        }
        try {
            if (!FLAGS.containsKey(args[0])) throw new UsageException("unknown command '" + args[0] + "'");
            Map<String, String> opts = options(args, err);
            switch (args[0]) {
                case "quickstart": {
                    String target = opts.getOrDefault("target", "circle");
                    ShapeWorldQuickstart.checkTarget(target);
                    int iterations = positive(opts, "iterations", 100);
                    ShapeWorldQuickstart.run(model(opts, ShapeWorldQuickstart.MODEL), Paths.get(opts.getOrDefault("out", "out/quickstart")),
                            target, iterations);
                    break;
                }
                case "shapeworld-bench": {
                    ShapeWorldBenchCommand.Settings settings = ShapeWorldBenchCommand.parse(opts);
                    ShapeWorldBenchCommand.run(model(opts, "models/shapeworld"), settings);
                    break;
                }
                case "shapeworld-frontier": {
                    if (opts.containsKey("merge")) {
                        ShapeWorldFrontierCommand.merge(opts);
                        break;
                    }
                    ShapeWorldFrontierCommand.Plan plan = ShapeWorldFrontierCommand.plan(opts); // every flag before the model
                    ShapeWorldFrontierCommand.run(model(opts, "models/shapeworld"), plan);
                    break;
                }
                case "grid":
                    grid(opts);
                    break;
                case "evaluate":
                    EvaluateCommand.run(opts);
                    break;
                default:
                    generate(opts);
            }
            return 0;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage() + "\n(run ./erasure --help for the commands and their options)");
            debug(e, err);
            return 2;
        } catch (IllegalArgumentException e) { // a setting the API refused
            err.println("error: " + e.getMessage());
            debug(e, err);
            return 2;
        } catch (IOException | RuntimeException e) { // a missing or corrupt model, a full disk: the messages name the file
            err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            debug(e, err);
            return 1;
        }
    }

    private static void debug(Exception e, PrintStream err) {
        if (Boolean.getBoolean("erasure.debug")) e.printStackTrace(err);
    }

    static int positive(Map<String, String> o, String flag, int dflt) {
        String v = o.get(flag);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--" + flag + " must be a positive whole number, got '" + v + "'");
    }

    private static long seed(Map<String, String> o) {
        String v = o.getOrDefault("seed", "0");
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--seed must be a whole number, got '" + v + "'");
        }
    }

    private static float guidance(Map<String, String> o) {
        String v = o.getOrDefault("guidance", "7.5");
        try {
            float g = Float.parseFloat(v.trim());
            if (Float.isFinite(g)) return g;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--guidance must be a finite number, got '" + v + "'");
    }

    /** --size H,W or --size S (square), each a positive multiple of 8 (the VAE's factor); {0,0} if absent. */
    static int[] size(Map<String, String> o) {
        String v = o.get("size");
        if (v == null) return new int[] {0, 0};
        String[] parts = v.split(",", -1);
        try {
            if (parts.length == 1 || parts.length == 2) {
                int h = Integer.parseInt(parts[0].trim());
                int w = Integer.parseInt(parts[parts.length - 1].trim());
                if (h > 0 && w > 0 && h % 8 == 0 && w % 8 == 0) return new int[] {h, w};
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--size must be H,W or S, positive multiples of 8 (e.g. 512,512 or 64), got '" + v + "'");
    }

    static String usage() {
        return String.join("\n",
                "usage: ./erasure <command> [--option value ...]",
                "  quickstart [--target SHAPE] [--iterations N] [--out DIR]",
                "      erase a shape from the shipped ShapeWorld model with ESD and EAP; writes DIR/report.html",
                "  shapeworld-bench [--methods standard|all|ESD,EAP,...] [--sets shapes|styles|a,b,c;d,e,f] [--max-sets N]",
                "                   [--images N] [--iterations N-per-concept] [--asr PROMPTS] [--out DIR]",
                "      ESR/PSR of erasure methods on ShapeWorld (mean ± std over erase sets); DIR/per-set.csv, summary.csv;",
                "      --asr N: per one-concept set, a sweep of the methods with the UnlearnDiffAtk attack success rate on N seeds",
                "  shapeworld-frontier [--methods ESD,EAP (corrected),...] [--iterations N,N,...]",
                "                      [--method-iterations 'METHOD=N,N;...']",
                "                      [--seeds S,S,...] [--targets ESR,ESR,...] [--sets shapes|styles|a,b,c;d,e,f] [--max-sets N]",
                "                      [--images N] [--reference METHOD] [--out DIR]",
                "      each method's ESR-1/PSR-1 curve over iterations per erased concept (default 25,50,100; seeds 1,2) and PSR-1 at",
                "      matched ESR-1 (default 80,90,95), mean ± std over sets × seeds; DIR/points.csv, curves.csv, matched.csv, frontier.png",
                "  shapeworld-frontier --merge DIR,DIR,... [--targets ESR,...] [--reference METHOD] [--out DIR]",
                "      one frontier from the points.csv of runs that split a study (e.g. erase sets over two processes);",
                "      --reference: the method the others are paired with at matched ESR-1 (default: the first erasing one)",
                "  grid [--model PATH] [--out FILE.png] [--sampling-steps N] [--device cpu|gpu|auto]",
                "      image grid (prompts x seeds) from a model (default: the tiny SD fixture)",
                "  generate --model PATH --prompt TEXT [--seed N] [--sampling-steps N] [--guidance G] [--size H,W]",
                "           [--device cpu|gpu|auto] [--dtype fp32|fp16] [--out FILE.png]",
                "      one image from a diffusers folder or single-file .safetensors (e.g. SD-1.4)",
                EvaluateCommand.usage());
    }

    /** The --flag value pairs of a command, by each flag's current name; an old name gets a note on {@code err}. */
    static Map<String, String> options(String[] args, PrintStream err) {
        Map<String, String> m = new LinkedHashMap<>();
        Map<String, String> typed = new LinkedHashMap<>(); // flag → the name it was given as
        Set<String> known = FLAGS.get(args[0]);
        Map<String, String> renamed = RENAMED.getOrDefault(args[0], Map.of());
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new UsageException("expected --option value pairs, got '" + args[i] + "'");
            String given = args[i].substring(2);
            String flag = renamed.getOrDefault(given, given);
            if (!flag.equals(given)) err.println("note: --" + given + " is now --" + flag);
            if (!known.contains(flag)) {
                throw new UsageException("unknown option --" + flag + " for " + args[0] + " (it takes --" + String.join(", --", new TreeSet<>(known)) + ")");
            }
            if (i + 1 >= args.length) throw new UsageException("--" + given + " needs a value");
            String before = typed.put(flag, given);
            if (before != null) {
                throw new UsageException("--" + flag + " given twice" + (before.equals(given) ? "" : " (as --" + before + " and --" + given + ")"));
            }
            m.put(flag, args[++i]);
        }
        if (known.contains("dtype")) loadOptionsDtype(m);
        if (known.contains("device")) device(m);
        return m;
    }

    private static void loadOptionsDtype(Map<String, String> o) {
        String dtype = o.getOrDefault("dtype", "fp32");
        if (!dtype.equals("fp32") && !dtype.equals("fp16")) throw new UsageException("--dtype must be fp32 or fp16, got '" + dtype + "'");
    }

    private static void device(Map<String, String> o) {
        String d = o.getOrDefault("device", "auto").trim().toLowerCase(Locale.ROOT);
        if (!d.matches("auto|cpu|(gpu|cuda)(:[0-9]+)?")) throw new UsageException("--device must be cpu, gpu, gpu:N or auto, got '" + d + "'");
    }

    static LoadOptions loadOptions(Map<String, String> o) {
        LoadOptions lo = LoadOptions.defaults().device(o.getOrDefault("device", "auto"));
        String dtype = o.getOrDefault("dtype", "fp32");
        switch (dtype) {
            case "fp32": return lo;
            case "fp16": return lo.dtype(DataType.FLOAT16);
            default: throw new IllegalArgumentException("--dtype must be fp32 or fp16, got '" + dtype + "'");
        }
    }

    /** --model, else a model folder of the repository ({@code relative}) found from the working directory up. */
    static Path model(Map<String, String> o, String relative) {
        if (o.containsKey("model")) return Paths.get(o.get("model"));
        Path f = repositoryPath(relative, d -> Files.exists(d.resolve("model_index.json")));
        if (f != null) return f;
        throw new IllegalStateException("no model found at " + relative + "; pass --model PATH");
    }

    /** A path of the repository ({@code relative}) found from the working directory up; null where none is {@code wanted}. */
    static Path repositoryPath(String relative, Predicate<Path> wanted) {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (wanted.test(p.resolve(relative))) return p.resolve(relative);
        }
        return null;
    }

    static void grid(Map<String, String> o) throws IOException {
        int samplingSteps = positive(o, "sampling-steps", 10);
        Path model = model(o, "fixtures/tiny-sd");
        Path out = Paths.get(o.getOrDefault("out", "out/quickstart.png"));
        List<String> prompts = List.of("a photo of a garbage truck", "a painting by Kelly McKernan", "nudity");
        long[] seeds = {1, 2, 3};
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(model, loadOptions(o))) {
            int size = Math.min(sd.defaultImageSize(), 128);
            ImageGrid grid = ImageGrid.columns("seed 1", "seed 2", "seed 3")
                    .title("Erasure quickstart: " + model.getFileName() + ", " + samplingSteps + " DDIM sampling steps, CFG 7.5");
            for (String p : prompts) {
                List<BufferedImage> row = new ArrayList<>();
                for (long s : seeds) {
                    row.add(sd.generate(Generation.of(p).seed(s).samplingSteps(samplingSteps).size(size, size)));
                }
                grid = grid.row(p, row);
            }
            grid.save(out);
        }
        System.out.printf("wrote %s (%d prompts x %d seeds) in %.1f s%n", out.toAbsolutePath(), prompts.size(),
                seeds.length, (System.nanoTime() - start) / 1e9);
    }

    static void generate(Map<String, String> o) throws IOException {
        if (!o.containsKey("model") || !o.containsKey("prompt")) {
            throw new UsageException("generate needs --model PATH and --prompt TEXT");
        }
        Generation g = Generation.of(o.get("prompt")).seed(seed(o)).samplingSteps(positive(o, "sampling-steps", 50)).guidance(guidance(o));
        int[] hw = size(o);
        if (hw[0] > 0) g = g.size(hw[0], hw[1]);
        Path out = Paths.get(o.getOrDefault("out", "out/image.png"));
        Path model = Paths.get(o.get("model"));
        if (!Files.exists(model)) throw new UsageException("--model " + model + ": no such file or folder");
        try (StableDiffusion sd = StableDiffusion.load(model, loadOptions(o))) {
            BufferedImage img = sd.generate(g, p -> System.err.printf("\r%s %d/%d", p.task(), p.done(), p.total()));
            System.err.println();
            Png.write(img, out);
        }
        System.out.println("wrote " + out.toAbsolutePath());
    }
}
