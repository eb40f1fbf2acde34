package dev.erasure.cli;

import dev.erasure.testing.CommandLine;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every user error of the command line: one clear line (no stack trace), exit 2 for usage, 1 for failures, before any model loads. */
class MainTest {
    @TempDir
    Path tmp;

    private final CommandLine cli = new CommandLine(Main::run);
    private String err;

    private int run(String... args) {
        int code = cli.run(args);
        err = cli.err();
        return code;
    }

    private void usage(String fragment, String... args) {
        cli.usage(fragment, args);
        err = cli.err();
    }

    @Test
    void usageErrorsAreFoundBeforeTheModelLoads() {
        String missing = tmp.resolve("no-model").toString(); // checked after the arguments, so never reached
        usage("unknown command", "generat");
        usage("unknown option --sead", "generate", "--model", missing, "--prompt", "p", "--sead", "1");
        usage("--guidance must be a finite number", "generate", "--model", missing, "--prompt", "p", "--guidance", "NaN");
        usage("--size must be", "generate", "--model", missing, "--prompt", "p", "--size", "64,");
        usage("--size must be", "generate", "--model", missing, "--prompt", "p", "--size", "60");
        usage("--sampling-steps must be a positive", "generate", "--model", missing, "--prompt", "p", "--sampling-steps", "0");
        usage("--seed must be", "generate", "--model", missing, "--prompt", "p", "--seed", "x");
        usage("--dtype must be", "generate", "--model", missing, "--prompt", "p", "--dtype", "fp8");
        usage("--device must be", "generate", "--model", missing, "--prompt", "p", "--device", "tpu");
        usage("needs a value", "generate", "--model", missing, "--prompt");
        usage("needs --model", "generate", "--prompt", "p");
        usage("no such file", "generate", "--model", missing, "--prompt", "p", "--size", "64");
        assertEquals(2, Main.size(Map.of("size", "64"))[0] / 32, "a single size is square");
    }

    /**
     * Every other command, one bad flag and bad values each, with a model path that does not exist:
     * exit 2 naming the flag (the missing model would be exit 1), so the flags are checked first.
     */
    @Test
    void everyCommandChecksItsFlagsBeforeItsModel() {
        String missing = tmp.resolve("no-model").toString();
        usage("unknown option --step", "quickstart", "--model", missing, "--step", "3");
        usage("--iterations must be a positive", "quickstart", "--model", missing, "--iterations", "-3");
        usage("--target must be one of the shapes", "quickstart", "--model", missing, "--target", "dragon");
        usage("unknown option --image", "shapeworld-bench", "--model", missing, "--image", "3");
        usage("--images must be a positive", "shapeworld-bench", "--model", missing, "--images", "NaN");
        usage("--iterations must be a positive", "shapeworld-bench", "--model", missing, "--iterations", "1e9");
        usage("--max-sets must be a positive", "shapeworld-bench", "--model", missing, "--max-sets", "0");
        usage("--asr must be a positive", "shapeworld-bench", "--model", missing, "--asr", "Infinity");
        usage("--sets: 'dragon' is not a ShapeWorld word", "shapeworld-bench", "--model", missing, "--sets", "circle;dragon");
        usage("--sets: '' is not", "shapeworld-bench", "--model", missing, "--sets", "circle,");
        usage("--methods: no method 'ESDX'", "shapeworld-bench", "--model", missing, "--methods", "ESD,ESDX");
        usage("unknown option --prompt", "grid", "--model", missing, "--prompt", "x");
        usage("--sampling-steps must be a positive", "grid", "--model", missing, "--sampling-steps", "2.5");
        usage("--dtype must be", "grid", "--model", missing, "--dtype", "bf16");
        usage("given twice", "grid", "--model", missing, "--sampling-steps", "2", "--sampling-steps", "3");
        // and with every flag right, the missing model is a failure (exit 1), one line naming it
        assertEquals(1, run("shapeworld-bench", "--model", missing, "--images", "2"), err);
        assertTrue(err.contains("no-model"), err);
    }

    /** evaluate: the protocol, the judge files it needs and every path are checked before the model loads. */
    @Test
    void evaluateChecksItsProtocolAndFilesFirst() throws IOException {
        String model = Fixtures.tinySd().toString();
        String onnx = Fixtures.nudenet().resolve("tiny-nudenet.onnx").toString();
        String missing = tmp.resolve("missing.onnx").toString();
        usage("--protocol must be one of", "evaluate", "--model", model, "--protocol", "gore");
        usage("needs --nudenet", "evaluate", "--model", model, "--protocol", "nudity");
        usage("--nudenet " + missing + ": no such file", "evaluate", "--model", model, "--protocol", "nudity", "--nudenet", missing);
        usage("needs --resnet", "evaluate", "--model", model, "--protocol", "objects");
        usage("needs --split", "evaluate", "--model", model, "--protocol", "objects", "--resnet", onnx, "--weights", onnx);
        usage("needs --artist", "evaluate", "--model", model, "--protocol", "artists", "--clip", model, "--lpips-alexnet", onnx,
                "--lpips-lin", onnx);
        usage("--fid-inception and --real go together", "evaluate", "--model", model, "--protocol", "utility", "--clip", model,
                "--fid-inception", onnx);
        usage("--fid-preprocess must be", "evaluate", "--model", model, "--protocol", "utility", "--clip", model, "--fid-preprocess", "clean");
        usage("needs --resnet", "evaluate", "--model", model, "--protocol", "robustness", "--concept", "church");
        usage("--limit must be a positive", "evaluate", "--model", model, "--protocol", "nudity", "--nudenet", onnx, "--limit", "0");
        // a file that is not an ONNX model: one line naming it
        Path notOnnx = Files.writeString(tmp.resolve("320n.onnx"), "not a model");
        assertEquals(2, run("evaluate", "--model", model, "--protocol", "nudity", "--nudenet", notOnnx.toString(), "--out",
                tmp.resolve("bad").toString(), "--limit", "1", "--sampling-steps", "1", "--size", "32"), err);
        assertTrue(err.contains(notOnnx.toString()) && !err.contains("\tat "), err);
        // and a valid command line runs the protocol
        Path out = tmp.resolve("nudity");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"evaluate", "--model", model, "--protocol", "nudity", "--nudenet", onnx, "--out",
                out.toString(), "--limit", "2", "--sampling-steps", "1", "--size", "32"}, new PrintStream(quiet, true, StandardCharsets.UTF_8)),
                quiet.toString(StandardCharsets.UTF_8));
        assertTrue(Files.readString(out.resolve("protocol.json")).contains("\"protocol\": \"nudity\""));
        assertTrue(Files.readString(out.resolve("summary.csv")).startsWith("model,images,NER@0.30"));
        // pointed at that folder, another protocol is refused naming the record
        assertEquals(2, run("evaluate", "--model", model, "--protocol", "robustness", "--nudenet", onnx, "--out", out.toString(),
                "--limit", "1"), err);
        assertTrue(err.contains("protocol.json") && err.contains("nudity"), err);
    }

    @Test
    void frontierFlagsAreCheckedBeforeTheModelLoads() {
        String missing = tmp.resolve("no-model").toString(); // a valid command line would fail on it with exit 1
        String[] base = {"shapeworld-frontier", "--model", missing};
        usage("no method 'ESD++'", cat(base, "--methods", "ESD,ESD++"));
        usage("--iterations must be whole numbers", cat(base, "--iterations", "10,x"));
        usage("iterations must be >= 1", cat(base, "--iterations", "0,10"));
        usage("iterations repeat", cat(base, "--iterations", "10,10"));
        usage("erasure seeds repeat", cat(base, "--seeds", "1,1"));
        usage("target ESR must be in 0..100", cat(base, "--targets", "80,120"));
        usage("--targets must be numbers", cat(base, "--targets", "high"));
        usage("'hexagon'", cat(base, "--sets", "circle,hexagon"));
        usage("--method-iterations must be METHOD=N", cat(base, "--method-iterations", "ESD"));
        usage("'UCE' is not one of --methods", cat(base, "--method-iterations", "UCE=10,20"));
        usage("--images must be a positive", cat(base, "--images", "0"));
        usage("unknown option --asr", cat(base, "--asr", "3"));
        assertEquals(1, run(cat(base, "--methods", "ESD,EAP (corrected, epsilon, kept)", "--iterations", "5,10", "--seeds", "3",
                "--sets", "circle,square", "--method-iterations", "ESD=2,4", "--targets", "50")), "valid flags reach the model: " + err);
        assertTrue(err.contains("no-model"), err);
    }

    /** #18 --merge recombines the points of runs that split a study; no model is read. */
    @Test
    void frontierMergeRecombinesSplitRuns() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        String header = "method,erase set,seed,iterations,ESR-1,PSR-1,seconds\n";
        Files.writeString(a.resolve("points.csv"), header + "ESD,s1,1,10,50,90,1\nESD,s1,1,20,100,70,1\n");
        Files.writeString(b.resolve("points.csv"), header + "ESD,s2,1,10,60,80,1\nESD,s2,1,20,100,60,1\n");
        Path out = tmp.resolve("merged");
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"shapeworld-frontier", "--merge", a + "," + b, "--targets", "80", "--out", out.toString()},
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        assertEquals(0, code, errBytes.toString(StandardCharsets.UTF_8));
        for (String f : List.of("points.csv", "curves.csv", "matched.csv", "frontier.png")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        List<String> matched = Files.readAllLines(out.resolve("matched.csv"));
        // at ESR-1 80: s1 90 + (30/50)(70 − 90) = 78, s2 80 + (20/40)(60 − 80) = 70; mean 74, std 8/√2 = 5.7
        assertTrue(matched.get(1).startsWith("ESD,80.0,74.0,5.7,"), matched.toString());
        usage("--merge: no " + tmp.resolve("c").resolve("points.csv"), "shapeworld-frontier", "--merge", a + "," + tmp.resolve("c"));
        usage("--merge takes only --targets, --reference and --out, not --seeds", "shapeworld-frontier", "--merge", a.toString(), "--seeds", "1");
        usage("is in both", "shapeworld-frontier", "--merge", a + "," + a);

        // --reference pairs every method with the one named (here not the default, the first): ESD − EAP on s1 at ESR-1 80 is 78 − 85
        Path c = Files.createDirectories(tmp.resolve("c"));
        Files.writeString(c.resolve("points.csv"), header + "EAP,s1,1,10,60,95,1\nEAP,s1,1,20,100,75,1\n");
        Path paired = tmp.resolve("paired");
        code = Main.run(new String[] {"shapeworld-frontier", "--merge", a + "," + c, "--targets", "80", "--reference", "EAP", "--out", paired.toString()},
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        assertEquals(0, code, errBytes.toString(StandardCharsets.UTF_8));
        List<String> pairedRows = Files.readAllLines(paired.resolve("matched.csv"));
        assertTrue(pairedRows.get(0).contains("Δ PSR-1 vs EAP"), pairedRows.get(0));
        assertTrue(pairedRows.get(1).startsWith("ESD,80.0,78.0,") && pairedRows.get(1).endsWith(",-7.0,,1"), pairedRows.toString());
        assertTrue(pairedRows.get(2).startsWith("EAP,80.0,85.0,") && pairedRows.get(2).endsWith(",,,0"), pairedRows.toString());
        usage("reference method 'ESD (corrected)' is not in the points", "shapeworld-frontier", "--merge", a.toString(), "--reference", "ESD (corrected)");
    }

    /**
     * "--steps" meant θ updates (quickstart, the ShapeWorld benches) or denoising steps (grid, generate);
     * the old flags are still accepted under their new names with a one-line note, and the usage shows only the new names.
     */
    @Test
    void theOldStepsFlagsAreAcceptedWithANote() {
        String missing = tmp.resolve("no-model").toString(); // valid flags reach it: exit 1
        String out = tmp.resolve("out").toString();
        assertOld(1, "--steps is now --iterations", "quickstart", "--model", missing, "--out", out, "--steps", "3");
        assertOld(1, "--steps is now --iterations", "shapeworld-bench", "--model", missing, "--out", out, "--steps", "3");
        assertOld(1, "--steps is now --iterations\nnote: --method-steps is now --method-iterations", "shapeworld-frontier",
                "--model", missing, "--out", out, "--methods", "ESD", "--steps", "5,10", "--method-steps", "ESD=2,4");
        assertOld(1, "--steps is now --sampling-steps", "grid", "--model", missing, "--steps", "2");
        assertOld(2, "--steps is now --sampling-steps", "generate", "--model", missing, "--prompt", "p", "--steps", "2");
        // the old name's value is checked as the new flag's
        assertOld(2, "--steps is now --iterations", "quickstart", "--model", missing, "--steps", "-3");
        assertTrue(err.contains("error: --iterations must be a positive"), err);
        assertOld(2, "--method-steps is now --method-iterations", "shapeworld-frontier", "--model", missing, "--method-steps", "UCE=1");
        assertTrue(err.contains("error: --method-iterations: 'UCE' is not one of --methods"), err);
        assertOld(2, "--steps is now --sampling-steps", "grid", "--model", missing, "--steps", "2", "--sampling-steps", "3");
        assertTrue(err.contains("error: --sampling-steps given twice (as --steps and --sampling-steps)"), err);
        // and the new names reach the model
        assertEquals(1, run("quickstart", "--model", missing, "--out", out, "--iterations", "3"), err);
        assertEquals(1, run("grid", "--model", missing, "--sampling-steps", "2"), err);
        assertTrue(err.contains("no-model"), err);
        String usage = Main.usage();
        for (String flag : List.of("--iterations", "--method-iterations", "--sampling-steps")) assertTrue(usage.contains(flag), flag);
        assertFalse(usage.contains("--steps") || usage.contains("--method-steps"), usage);
    }

    /** Runs an old command line: exit {@code code}, stderr the note line(s) and then one error line. */
    private void assertOld(int code, String notes, String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        assertEquals(code, Main.run(args, new PrintStream(b, true, StandardCharsets.UTF_8)));
        err = b.toString(StandardCharsets.UTF_8);
        assertTrue(err.startsWith("note: " + notes + "\nerror: "), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }

    private static String[] cat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aCorruptModelIsOneLineNamingTheFileAndExit1() throws IOException {
        Path model = tmp.resolve("model");
        try (var files = Files.walk(Fixtures.tinySd())) {
            for (Path p : files.toList()) {
                Path q = model.resolve(Fixtures.tinySd().relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        Path unet = model.resolve("unet/diffusion_pytorch_model.safetensors");
        byte[] b = Files.readAllBytes(unet);
        Files.write(unet, Arrays.copyOf(b, b.length / 2));
        assertEquals(1, run("generate", "--model", model.toString(), "--prompt", "p", "--size", "64"), err);
        assertTrue(err.contains(unet.toString()), err);
        assertEquals(1, err.strip().split("\n").length, "one line: " + err);
    }
}
