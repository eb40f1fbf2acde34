package dev.erasure.cli;

import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.viz.ImageGrid;
import dev.erasure.viz.Png;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line: {@code quickstart} (an image grid from the embedded default model) and
 * {@code generate} (one prompt on any SD-1.x diffusers folder or single-file checkpoint).
 * Run through the {@code ./erasure} script at the repository root.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(usage());
            return;
        }
        Map<String, String> opts = options(args);
        try {
            switch (args[0]) {
                case "quickstart":
                    ShapeWorldQuickstart.run(model(opts, "models/shapeworld"), Paths.get(opts.getOrDefault("out", "out/quickstart")),
                            opts.getOrDefault("target", "circle"), Integer.parseInt(opts.getOrDefault("steps", "100")));
                    break;
                case "shapeworld-bench":
                    ShapeWorldBenchCommand.run(model(opts, "models/shapeworld"), opts);
                    break;
                case "grid":
                    quickstart(opts);
                    break;
                case "generate":
                    generate(opts);
                    break;
                default:
                    System.err.println("unknown command '" + args[0] + "'\n" + usage());
                    System.exit(2);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: ./erasure <command> [--option value ...]",
                "  quickstart [--target SHAPE] [--steps N] [--out DIR]",
                "      erase a shape from the shipped ShapeWorld model with ESD and EAP; writes DIR/report.html",
                "  shapeworld-bench [--methods standard|all|ESD,EAP,...] [--sets shapes|styles|a,b,c;d,e,f] [--max-sets N]",
                "                   [--images N] [--steps N-per-concept] [--asr PROMPTS] [--out DIR]",
                "      ESR/PSR of erasure methods on ShapeWorld (mean ± std over erase sets); DIR/per-set.csv, summary.csv;",
                "      --asr N: per one-concept set, a sweep of the methods with the UnlearnDiffAtk attack success rate on N seeds",
                "  grid [--model PATH] [--out FILE.png] [--steps N] [--device cpu|gpu|auto]",
                "      image grid (prompts x seeds) from a model (default: the tiny SD fixture)",
                "  generate --model PATH --prompt TEXT [--seed N] [--steps N] [--guidance G] [--size H,W]",
                "           [--device cpu|gpu|auto] [--dtype fp32|fp16] [--out FILE.png]",
                "      one image from a diffusers folder or single-file .safetensors (e.g. SD-1.4)");
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    static LoadOptions loadOptions(Map<String, String> o) {
        LoadOptions lo = LoadOptions.defaults().device(o.getOrDefault("device", "auto"));
        String dtype = o.getOrDefault("dtype", "fp32");
        switch (dtype) {
            case "fp32": return lo;
            case "fp16": return lo.dtype(ai.djl.ndarray.types.DataType.FLOAT16);
            default: throw new IllegalArgumentException("--dtype must be fp32 or fp16, got '" + dtype + "'");
        }
    }

    /** --model, else a model folder of the repository ({@code relative}) found from the working directory up. */
    static Path model(Map<String, String> o, String relative) {
        if (o.containsKey("model")) return Paths.get(o.get("model"));
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve(relative);
            if (Files.exists(f.resolve("model_index.json"))) return f;
        }
        throw new IllegalStateException("no model found at " + relative + "; pass --model PATH");
    }

    static void quickstart(Map<String, String> o) throws IOException {
        Path model = model(o, "fixtures/tiny-sd");
        Path out = Paths.get(o.getOrDefault("out", "out/quickstart.png"));
        int steps = Integer.parseInt(o.getOrDefault("steps", "10"));
        List<String> prompts = List.of("a photo of a garbage truck", "a painting by Kelly McKernan", "nudity");
        long[] seeds = {1, 2, 3};
        long start = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(model, loadOptions(o))) {
            int size = Math.min(sd.defaultImageSize(), 128);
            ImageGrid grid = ImageGrid.columns("seed 1", "seed 2", "seed 3")
                    .title("Erasure quickstart: " + model.getFileName() + ", " + steps + " DDIM steps, CFG 7.5");
            for (String p : prompts) {
                List<BufferedImage> row = new ArrayList<>();
                for (long s : seeds) {
                    row.add(sd.generate(Generation.of(p).seed(s).steps(steps).size(size, size)));
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
            throw new IllegalArgumentException("generate needs --model PATH and --prompt TEXT");
        }
        Path out = Paths.get(o.getOrDefault("out", "out/image.png"));
        try (StableDiffusion sd = StableDiffusion.load(Paths.get(o.get("model")), loadOptions(o))) {
            Generation g = Generation.of(o.get("prompt"))
                    .seed(Long.parseLong(o.getOrDefault("seed", "0")))
                    .steps(Integer.parseInt(o.getOrDefault("steps", "50")))
                    .guidance(Float.parseFloat(o.getOrDefault("guidance", "7.5")));
            if (o.containsKey("size")) {
                String[] hw = o.get("size").split(",");
                g = g.size(Integer.parseInt(hw[0].trim()), Integer.parseInt(hw[1].trim()));
            }
            BufferedImage img = sd.generate(g, p -> System.err.printf("\r%s %d/%d", p.task(), p.done(), p.total()));
            System.err.println();
            Png.write(img, out);
        }
        System.out.println("wrote " + out.toAbsolutePath());
    }
}
