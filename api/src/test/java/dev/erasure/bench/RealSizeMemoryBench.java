package dev.erasure.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.MemoryEstimate;
import dev.erasure.erase.Sd14;
import dev.erasure.erase.UNetShapes;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.nn.MemorySaving;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.nn.Kernels;
import ai.djl.ndarray.NDScope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Peak memory of one erasure iteration at the real size ({@code ./erasure bench erase-memory-real RECIPE [fp32|fp16]
 * [latent] [fixture-folder]}), one recipe per process: an SD-1.4-shaped model at 512×512 (latent 64×64, or the
 * latent given: a smaller one where the machine's memory cannot hold the activations too) with every UNet
 * tensor of the real config (zero-valued, written sparse like {@link LoadBench}) and a one-layer text encoder of
 * SD-1.4's width (768; random token and position embeddings so that the EAP candidate search sees distinct
 * words), the fixture's tokenizer, scheduler and VAE (the VAE is not used by an erasure). Memory does not depend
 * on the weights' values, so this measures what a real SD-1.4 run allocates, apart from the real text encoder
 * (123 M frozen parameters, 0.5 GB fp32, counted in neither number here).
 *
 * <p>Printed: the {@link MemoryEstimate} and the measured growth of the process's peak resident memory (VmHWM,
 * reset through /proc/self/clear_refs after every weight was touched by a small forward) over one iteration,
 * with its time. The DDIM grid is 5 steps (the partial sampling runs no-grad, so its length changes the time,
 * not the peak). {@code --checkpointing} and {@code --attention-slice HEADS} run it with {@link MemorySaving}; the
 * estimate stays the plain run's.
 */
public final class RealSizeMemoryBench {
    private RealSizeMemoryBench() {
    }

    public static void main(String[] all) throws IOException {
        // options anywhere, the rest positional
        MemorySaving saving = MemorySaving.NONE;
        List<String> pos = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            switch (all[i]) {
                case "--checkpointing" -> saving = saving.withGradientCheckpointing(true);
                case "--attention-slice" -> {
                    if (i + 1 == all.length) throw new IllegalArgumentException("--attention-slice needs a number of heads");
                    saving = saving.withAttentionSlice(Integer.parseInt(all[++i]));
                }
                default -> pos.add(all[i]);
            }
        }
        String[] args = pos.toArray(String[]::new);
        if (args.length < 1) {
            System.err.println("usage: bench erase-memory-real esd-u|esd-x|eap-x|eap-u [fp32|fp16] [latent, default 64] [fixture-folder]"
                    + " [--checkpointing] [--attention-slice HEADS]");
            System.exit(2);
        }
        EraseMemoryBench.Recipe recipe = switch (args[0]) {
            case "esd-x" -> EraseMemoryBench.RECIPES.get(0);
            case "esd-u" -> EraseMemoryBench.RECIPES.get(1);
            case "eap-x" -> EraseMemoryBench.RECIPES.get(2);
            case "eap-u" -> EraseMemoryBench.RECIPES.get(3);
            default -> throw new IllegalArgumentException("recipe must be esd-u, esd-x, eap-x or eap-u, got " + args[0]);
        };
        DataType dtype = args.length > 1 && args[1].equals("fp16") ? DataType.FLOAT16 : DataType.FLOAT32;
        int latent = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        Path fixture = Path.of(args.length > 3 ? args[3] : "../shared/fixtures/tiny-sd");
        if (!Files.isDirectory(fixture)) fixture = Path.of("fixtures/tiny-sd");
        Path dir = Files.createTempDirectory("sd14-shaped");
        try {
            long built = System.nanoTime();
            build(fixture, dir);
            System.out.printf(Locale.ROOT, "SD-1.4-shaped model written to %s in %.1f s%n", dir, (System.nanoTime() - built) / 1e9);
            measure(dir, recipe, dtype, latent, saving);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static void measure(Path dir, EraseMemoryBench.Recipe r, DataType dtype, int latent, MemorySaving saving) {
        try (StableDiffusion loaded = StableDiffusion.load(dir, LoadOptions.defaults().dtype(dtype))) {
            StableDiffusion sd = loaded.withMemorySaving(saving);
            UNetConfig cfg = sd.unet().config();
            try (NDScope s = new NDScope()) { // touches every frozen weight, so the baseline holds them
                NDManager m = sd.manager();
                sd.unet().forward(m.zeros(new Shape(1, 4, 8, 8), dtype), m.create(new long[] {500}),
                        m.zeros(new Shape(1, 77, cfg.crossAttentionDim[0]), dtype));
            }
            MemoryEstimate est = MemoryEstimate.of(cfg, r.params(), r.preserve(), latent, dtype, Kernels.current());
            Erasure e = Erasure.of(sd).target("church").train(r.params()).preserve(r.preserve()).latentSize(latent)
                    .ddimGrid(5).iterations(1).vocabulary(Vocabulary.english3000());
            long base = EraseMemoryBench.status("VmRSS");
            System.out.printf(Locale.ROOT, "  model loaded and touched: RSS %.2f GiB%n", base / 1048576.0);
            System.out.flush();
            EraseMemoryBench.resetPeak();
            long t0 = System.nanoTime();
            try (ErasureResult res = e.run()) {
                double secs = (System.nanoTime() - t0) / 1e9;
                long peak = EraseMemoryBench.status("VmHWM");
                double g = 1L << 30;
                System.out.printf(Locale.ROOT, "%s, %s, %s attention, latent %d×%d, batch 1, one iteration (%d done), %s%n",
                        r.name(), dtype, Kernels.current(), latent, latent, res.stepsDone(), saving);
                System.out.printf(Locale.ROOT, "  estimate without the frozen model: %.2f GiB (frozen UNet %.2f GiB, total %.2f GiB)%n",
                        (est.peakBytes() - est.frozenBytes()) / g, est.frozenBytes() / g, est.peakBytes() / g);
                System.out.printf(Locale.ROOT, "  measured peak-RSS growth:          %.2f GiB (baseline RSS %.2f GiB, peak %.2f GiB)%n",
                        (peak - base) / 1048576.0, base / 1048576.0, peak / 1048576.0);
                System.out.printf(Locale.ROOT, "  time: %.0f s (includes the candidate search for EAP and the first-call costs)%n", secs);
            }
        }
    }

    /** The SD-1.4-shaped diffusers folder: sparse zero UNet, one-layer 768-wide text encoder, the fixture's other parts. */
    static void build(Path fixture, Path dir) throws IOException {
        for (String part : List.of("scheduler", "tokenizer", "vae")) {
            Files.createDirectories(dir.resolve(part));
            try (Stream<Path> s = Files.list(fixture.resolve(part))) {
                for (Path p : s.toList()) Files.copy(p, dir.resolve(part).resolve(p.getFileName()));
            }
        }
        Files.copy(fixture.resolve("model_index.json"), dir.resolve("model_index.json"));
        Files.createDirectories(dir.resolve("unet"));
        Files.writeString(dir.resolve("unet/config.json"), Sd14.UNET_CONFIG);
        UNetConfig cfg = UNetConfig.fromJson(JsonParser.parseString(Sd14.UNET_CONFIG).getAsJsonObject());
        LoadBench.writeSparse(dir.resolve("unet/diffusion_pytorch_model.safetensors"), UNetShapes.of(cfg));
        textEncoder(fixture.resolve("text_encoder"), dir.resolve("text_encoder"), cfg.crossAttentionDim[0]);
    }

    /**
     * The fixture's text encoder widened to {@code width} (hidden width → width, MLP width → 4 × width, 12 heads) with
     * its first layer only: token and position embeddings random, layer norms 1 and 0, every other tensor 0 (the
     * layer is then the identity on the residual stream, and the output is the normalised embeddings).
     */
    private static void textEncoder(Path from, Path to, int width) throws IOException {
        JsonObject c = JsonParser.parseString(Files.readString(from.resolve("config.json"))).getAsJsonObject();
        int hidden = c.get("hidden_size").getAsInt();
        int mlp = c.get("intermediate_size").getAsInt();
        c.addProperty("hidden_size", width);
        c.addProperty("intermediate_size", 4 * width);
        c.addProperty("num_attention_heads", 12);
        c.addProperty("num_hidden_layers", 1);
        c.addProperty("projection_dim", width);
        Files.createDirectories(to);
        Files.writeString(to.resolve("config.json"), c.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Safetensors.Entry e : Safetensors.header(from.resolve("model.safetensors")).entries()) {
                String k = e.name();
                if (k.contains(".layers.") && !k.contains(".layers.0.")) continue;
                long[] dims = e.shape().getShape();
                for (int i = 0; i < dims.length; i++) dims[i] = dims[i] == hidden ? width : dims[i] == mlp ? 4L * width : dims[i];
                Shape shape = new Shape(dims);
                NDArray t;
                if (!e.dtype().startsWith("F")) t = m.arange(0, (int) shape.size(), 1, DataType.INT64).reshape(shape); // position ids
                else if (k.endsWith("embedding.weight")) t = m.randomNormal(0, 0.02f, shape, DataType.FLOAT32);
                else if (k.contains("norm") && k.endsWith(".weight")) t = m.ones(shape);
                else t = m.zeros(shape);
                out.put(k, t);
            }
            Safetensors.save(to.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
    }
}
