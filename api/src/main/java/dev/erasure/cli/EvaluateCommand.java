package dev.erasure.cli;

import ai.djl.ndarray.NDManager;
import dev.erasure.core.PromptSet;
import dev.erasure.erase.TextEncoderFolder;
import dev.erasure.eval.ClipModel;
import dev.erasure.eval.judge.Fid;
import dev.erasure.eval.judge.FidInception;
import dev.erasure.eval.judge.FidPreprocess;
import dev.erasure.eval.judge.ImageNetClassifier;
import dev.erasure.eval.judge.Lpips;
import dev.erasure.eval.judge.NudeDetector;
import dev.erasure.eval.paper.Artists;
import dev.erasure.eval.paper.AttackSuccess;
import dev.erasure.eval.paper.Evaluation;
import dev.erasure.eval.paper.Imagenette;
import dev.erasure.eval.paper.Nudity;
import dev.erasure.eval.paper.Utility;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./erasure evaluate --protocol P --model DIR [--weights erased.safetensors] --out DIR ...}: one paper
 * protocol on one model (the base model, or the base with an erased model's UNet tensors / text encoder), with the
 * judge files the protocol needs. Every flag and file is checked before a model loads.
 */
final class EvaluateCommand {
    static final Set<String> FLAGS = Set.of("protocol", "model", "weights", "text-encoder", "name", "out", "limit",
            "sampling-steps", "size", "device", "dtype", "nudenet", "resnet", "resnet-config", "split", "clip",
            "lpips-alexnet", "lpips-lin", "artist", "fid-inception", "real", "fid-preprocess", "prompts", "concept");
    static final List<String> PROTOCOLS = List.of("nudity", "objects", "artists", "utility", "robustness");

    /** The judge files each protocol needs (one of the groups, for utility and robustness). */
    private static final Map<String, List<String>> NEEDS = Map.of(
            "nudity", List.of("nudenet"),
            "objects", List.of("resnet"),
            "artists", List.of("clip", "lpips-alexnet", "lpips-lin", "artist"));

    private EvaluateCommand() {
    }

    static String usage() {
        return String.join("\n",
                "  evaluate --protocol nudity|objects|artists|utility|robustness --model DIR [--weights FILE.safetensors]",
                "           [--text-encoder DIR] [--name NAME] [--out DIR] [--limit N] [--sampling-steps N] [--size PX]",
                "           [--device cpu|gpu|auto] [--dtype fp32|fp16], and the judges the protocol needs:",
                "             nudity:     --nudenet 320n.onnx                                  (EAP Table 2: NER on I2P)",
                "             objects:    --resnet resnet50.safetensors [--resnet-config JSON] [--split v1..v4]  (EAP Table 1)",
                "             artists:    --artist NAME --clip DIR --lpips-alexnet FILE --lpips-lin FILE       (EAP Table 4)",
                "             utility:    [--fid-inception FILE --real DIR [--fid-preprocess t2i|pytorch-fid]] [--clip DIR]",
                "                         [--prompts coco30k|FILE.csv] (default COCO-10k)             (COCO FID and CLIP)",
                "             robustness: --concept nudity --nudenet FILE | --concept church|garbage_truck|parachute|tench --resnet FILE",
                "      the paper's protocol on the model (or the base with --weights erased tensors); images, protocol.json",
                "      (every pin), summary.csv, images.csv and chart.png in DIR; a rerun resumes; several models share a DIR");
    }

    /** Checks every flag and file, then runs the protocol. */
    static void run(Map<String, String> o) {
        String protocol = o.get("protocol");
        if (protocol == null || !PROTOCOLS.contains(protocol)) {
            throw new Main.UsageException("--protocol must be one of " + String.join(", ", PROTOCOLS) + (protocol == null ? "" : ", got '" + protocol + "'"));
        }
        if (!o.containsKey("model")) throw new Main.UsageException("evaluate needs --model DIR (the base Stable Diffusion)");
        for (String need : NEEDS.getOrDefault(protocol, List.of())) {
            if (!o.containsKey(need)) throw new Main.UsageException("--protocol " + protocol + " needs --" + need);
        }
        if (protocol.equals("utility") && !o.containsKey("clip") && !(o.containsKey("fid-inception") && o.containsKey("real"))) {
            throw new Main.UsageException("--protocol utility needs --fid-inception FILE with --real DIR, --clip DIR, or both");
        }
        if (o.containsKey("fid-inception") != o.containsKey("real")) throw new Main.UsageException("--fid-inception and --real go together");
        String concept = o.getOrDefault("concept", "nudity");
        if (protocol.equals("robustness") && !o.containsKey(concept.equals("nudity") ? "nudenet" : "resnet")) {
            throw new Main.UsageException("--protocol robustness --concept " + concept + " needs --" + (concept.equals("nudity") ? "nudenet" : "resnet"));
        }
        for (String f : List.of("model", "weights", "text-encoder", "nudenet", "resnet", "resnet-config", "clip", "lpips-alexnet",
                "lpips-lin", "fid-inception", "real", "prompts")) {
            if (f.equals("prompts") && "coco30k".equals(o.get(f))) continue;
            if (o.containsKey(f) && !Files.exists(Paths.get(o.get(f)))) throw new Main.UsageException("--" + f + " " + o.get(f) + ": no such file or folder");
        }
        FidPreprocess preprocess = fidPreprocess(o.getOrDefault("fid-preprocess", "t2i"));
        int limit = o.containsKey("limit") ? Main.positive(o, "limit", 1) : 0;
        int steps = o.containsKey("sampling-steps") ? Main.positive(o, "sampling-steps", 1) : 0;
        int size = Main.size(o)[0];
        if (Main.size(o)[0] != Main.size(o)[1]) throw new Main.UsageException("--size must be square for a protocol (e.g. 512)");
        boolean erased = o.containsKey("weights") || o.containsKey("text-encoder");
        String name = o.getOrDefault("name", protocol.equals("objects") ? o.getOrDefault("split", erased ? "" : "original") : erased ? "erased" : "original");
        if (name.isEmpty()) throw new Main.UsageException("--protocol objects with --weights needs --split (the split the model erased: v1..v4) or --name");
        Path out = Paths.get(o.getOrDefault("out", "out/evaluate-" + protocol));
        ProgressListener progress = p -> System.err.printf("\r%s %d/%d %s%s", p.task(), p.done(), p.total(), p.message(),
                p.done() == p.total() ? "\n" : "");

        Path modelPath = Paths.get(o.get("model"));
        boolean xl = StableDiffusionXL.isSdxlFolder(modelPath);
        if (xl && (protocol.equals("robustness") || o.containsKey("text-encoder"))) {
            throw new Main.UsageException(modelPath + " is an SDXL folder: " + (o.containsKey("text-encoder") ? "--text-encoder"
                    : "--protocol robustness") + " runs on SD 1.x/2.x only (UnlearnDiffAtk and AdvUnlearn's encoder are SD-1 code)");
        }
        try (Pipeline base = xl ? StableDiffusionXL.load(modelPath, Main.loadOptions(o)) : StableDiffusion.load(modelPath, Main.loadOptions(o))) {
            Pipeline model = base;
            if (o.containsKey("weights")) model = model.withUnetWeights(Paths.get(o.get("weights")));
            if (o.containsKey("text-encoder")) {
                StableDiffusion sd = (StableDiffusion) model;
                model = sd.withTextEncoder(TextEncoderFolder.load(Paths.get(o.get("text-encoder")), sd.manager()));
            }
            Evaluation e = switch (protocol) {
                case "nudity" -> nudity(o, model, name, out, limit, steps, size, progress);
                case "objects" -> objects(o, model, name, out, limit, steps, size, progress);
                case "artists" -> artists(o, model, base, out, limit, steps, size, progress);
                case "utility" -> utility(o, model, name, out, limit, steps, size, preprocess, progress);
                default -> robustness(o, (StableDiffusion) model, (StableDiffusion) base, name, concept, out, limit, progress);
            };
            System.err.println();
            System.out.println(e);
            System.out.println("wrote " + out.toAbsolutePath() + " (protocol.json, summary.csv, images.csv, chart.png)");
        }
    }

    private static Evaluation nudity(Map<String, String> o, Pipeline m, String name, Path out, int limit, int steps, int size,
                                     ProgressListener l) {
        Nudity p = Nudity.i2p().size(size);
        if (limit > 0) p = p.limit(limit);
        if (steps > 0) p = p.samplingSteps(steps);
        try (NudeDetector d = NudeDetector.load(Paths.get(o.get("nudenet")))) {
            return p.run(name, m, d, out, l);
        }
    }

    private static Evaluation objects(Map<String, String> o, Pipeline m, String name, Path out, int limit, int steps, int size,
                                      ProgressListener l) {
        Imagenette p = Imagenette.eap().size(size);
        if (limit > 0) p = p.limit(limit);
        if (steps > 0) p = p.samplingSteps(steps);
        try (ImageNetClassifier c = classifier(o)) {
            return p.run(name, m, c, out, l);
        }
    }

    private static Evaluation artists(Map<String, String> o, Pipeline erased, Pipeline original, Path out, int limit,
                                      int steps, int size, ProgressListener l) {
        Artists p = Artists.eap().size(size);
        if (limit > 0) p = p.limit(limit);
        if (steps > 0) p = p.samplingSteps(steps);
        try (NDManager m = NDManager.newBaseManager();
             Lpips lpips = Lpips.load(Paths.get(o.get("lpips-alexnet")), Paths.get(o.get("lpips-lin")))) {
            ClipModel clip = ClipModel.load(Paths.get(o.get("clip")), m);
            return p.run(o.get("artist"), erased, original, clip, lpips, out, l);
        }
    }

    private static Evaluation utility(Map<String, String> o, Pipeline model, String name, Path out, int limit, int steps, int size,
                                      FidPreprocess preprocess, ProgressListener l) {
        Utility p = Utility.coco10k().size(size);
        if (o.getOrDefault("prompts", "").equals("coco30k")) p = Utility.coco30k().size(size);
        else if (o.containsKey("prompts")) p = p.prompts(PromptSet.fromCsv(Paths.get(o.get("prompts"))));
        if (limit > 0) p = p.limit(limit);
        if (steps > 0) p = p.samplingSteps(steps);
        try (NDManager m = NDManager.newBaseManager();
             FidInception inception = o.containsKey("fid-inception") ? FidInception.load(Paths.get(o.get("fid-inception"))) : null) {
            ClipModel clip = o.containsKey("clip") ? ClipModel.load(Paths.get(o.get("clip")), m) : null;
            Fid fid = inception == null ? null : new Fid(inception, preprocess);
            return p.run(name, model, fid, o.containsKey("real") ? Paths.get(o.get("real")) : null, clip, out, l);
        }
    }

    private static Evaluation robustness(Map<String, String> o, StableDiffusion erased, StableDiffusion original, String name,
                                         String concept, Path out, int limit, ProgressListener l) {
        AttackSuccess p = concept.equals("nudity") ? AttackSuccess.nudity() : AttackSuccess.object(concept);
        if (limit > 0) p = p.limit(limit);
        if (concept.equals("nudity")) {
            try (NudeDetector d = NudeDetector.load(Paths.get(o.get("nudenet")))) {
                return p.run(name, erased, original, AttackSuccess.nudeNet(d), out, l);
            }
        }
        try (ImageNetClassifier c = classifier(o)) {
            return p.run(name, erased, original, AttackSuccess.imageNetTop1(c), out, l);
        }
    }

    private static ImageNetClassifier classifier(Map<String, String> o) {
        Path weights = Paths.get(o.get("resnet"));
        return o.containsKey("resnet-config") ? ImageNetClassifier.load(weights, Paths.get(o.get("resnet-config"))) : ImageNetClassifier.load(weights);
    }

    private static FidPreprocess fidPreprocess(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "t2i": case "t2ibenchmark": case "t2i_benchmark": return FidPreprocess.T2I_BENCHMARK;
            case "pytorch-fid": case "pytorch_fid": return FidPreprocess.PYTORCH_FID;
            default: throw new Main.UsageException("--fid-preprocess must be t2i (T2IBenchmark, AdvUnlearn's numbers) or pytorch-fid, got '" + v + "'");
        }
    }
}
