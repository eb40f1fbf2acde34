package dev.erasure.eval.paper;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import dev.erasure.core.PromptSet;
import dev.erasure.io.Sha256;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.Weights;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a protocol record pins, so a number can be reproduced: SHA-256 of every weight file a model or
 * judge was read from, and of the tensors a model actually runs with (an erased model shares its base's
 * files, so only the tensors tell it apart), of the prompt list, and the library versions.
 */
final class Pins {
    /** Suffix of the keys holding a component's tensor hash (unet_tensors_sha256, text_encoder_tensors_sha256...). */
    static final String TENSORS = "_tensors_sha256";

    private Pins() {
    }

    /**
     * A model: its source, each component's weight file with its SHA-256, and SHA-256 of the tensors in use of
     * every component but the VAE (what erasure methods train: UNet, text encoders).
     */
    static Map<String, Object> model(Pipeline sd) {
        Map<String, Object> m = new LinkedHashMap<>();
        Path source = Path.of(sd.source());
        m.put("source", Files.exists(source) ? source.toAbsolutePath().normalize().toString() : sd.source());
        Map<String, String> files = new TreeMap<>();
        for (Weights w : sd.components().values()) file(w.source(), files);
        m.put("weight_files_sha256", files);
        for (Map.Entry<String, Weights> c : sd.components().entrySet()) {
            if (!c.getKey().equals("vae")) m.put(c.getKey() + TENSORS, tensors(c.getValue()));
        }
        m.put("dtype", sd.dtype().toString());
        return m;
    }

    /** A judge read from weight files (their sources). */
    static Map<String, Object> judge(String what, String... sources) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        Map<String, String> files = new TreeMap<>();
        for (String s : sources) file(s, files);
        m.put("files_sha256", files);
        return m;
    }

    static void file(String source, Map<String, String> into) {
        Path p = Path.of(source);
        if (Files.isRegularFile(p)) into.put(p.toAbsolutePath().normalize().toString(), Sha256.of(p));
    }

    /** SHA-256 over (name, dtype, shape, bytes) of every tensor, by name. */
    static String tensors(Weights w) {
        MessageDigest md = Sha256.digest();
        for (String k : w.keys()) {
            NDArray a = w.asMap().get(k);
            md.update((k + "|" + a.getDataType() + "|" + a.getShape() + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(a.toByteArray());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The prompt list as the protocol reads it: its name, rows, and SHA-256 of every row's (case, prompt, seed, guidance, label). */
    static Map<String, Object> prompts(PromptSet prompts) {
        StringBuilder b = new StringBuilder();
        for (PromptSet.Row r : prompts) {
            b.append(r.caseNumber()).append('\t').append(r.prompt()).append('\t').append(r.seed()).append('\t')
                    .append(r.guidance()).append('\t').append(r.label()).append('\n');
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", prompts.name());
        m.put("rows", prompts.size());
        m.put("rows_sha256", Sha256.of(b.toString()));
        return m;
    }

    /**
     * What generating the images costs: UNet evaluations = images × sampling steps × 2 (the conditional and
     * unconditional halves of classifier-free guidance), the unit to compare with the paper's run.
     */
    static Map<String, Object> cost(long images, int samplingSteps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", images);
        m.put("sampling_steps", samplingSteps);
        m.put("unet_evaluations", images * samplingSteps * 2);
        return m;
    }

    static Map<String, String> libraries() {
        Map<String, String> m = new LinkedHashMap<>();
        String erasure = Pins.class.getPackage().getImplementationVersion();
        m.put("erasure", erasure == null ? "development build" : erasure);
        m.put("djl", Engine.getDjlVersion());
        m.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }
}
