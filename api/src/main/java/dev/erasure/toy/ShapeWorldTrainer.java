package dev.erasure.toy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.io.AtomicFiles;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.ClipTextConfig;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.ClipTokenizer;
import dev.erasure.sd.DdimScheduler;
import dev.erasure.sd.ParameterShapes;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.train.AdamW;
import dev.erasure.train.Ema;
import dev.erasure.train.Gradients;
import dev.erasure.train.Init;
import dev.erasure.train.Tensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the ShapeWorld model (CLIP text encoder + UNet, jointly, from scratch) with the DDPM ε
 * objective. Every random draw of step {@code s} (batch items, flips, timesteps, noise) is a function of
 * (seed, s), so a run resumed from a checkpoint continues exactly as if it had not stopped.
 * Checkpoints (weights, EMA, AdamW moments, step) are written to a temporary folder and moved into place.
 */
public final class ShapeWorldTrainer {
    /** Parameter keys of the text encoder in the joint map carry this prefix (the UNet's none). */
    static final String TEXT = "text_encoder.";

    /** How often one step is computed before it counts as non-finite. */
    private static final int RECOMPUTE = 3;

    private final TrainConfig cfg;
    private final UNetConfig unetCfg;
    private final ClipTextConfig textCfg;
    private final DdimScheduler noise;

    public ShapeWorldTrainer(TrainConfig cfg) {
        this.cfg = cfg;
        this.unetCfg = UNetConfig.fromJson(cfg.unetConfig());
        this.textCfg = ClipTextConfig.fromJson(cfg.textConfig());
        this.noise = DdimScheduler.fromJson(cfg.schedulerConfig());
    }

    /** The outcome of one invocation: the step reached and the mean loss of its last logging window. */
    public record Result(int step, double recentLoss, Path output) {
    }

    public Result train(ProgressListener listener) {
        Map<String, Shape> shapes = new LinkedHashMap<>(ParameterShapes.unet(unetCfg));
        ParameterShapes.clipText(textCfg).forEach((k, s) -> shapes.put(TEXT + k, s));
        ShapeWorldDataset data = new ShapeWorldDataset(cfg.world(), cfg.grammar(), cfg.seed(), ClipTokenizer.bundled(),
                textCfg.maxPositionEmbeddings());
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = Init.initialise(shapes, manager, cfg.seed());
            params.values().forEach(p -> p.setRequiresGradient(true));
            AdamW opt = new AdamW(params, manager, 0.9f, 0.999f, 1e-8f, cfg.weightDecay());
            Ema ema = new Ema(params, manager, cfg.emaDecay());
            int start = restore(params, opt, ema, manager);
            UNet2DConditionModel unet = new UNet2DConditionModel(unetCfg, new Weights(part(params, false), "training"));
            ClipTextModel text = new ClipTextModel(textCfg, new Weights(part(params, true), "training"));
            int end = (int) Math.min(cfg.iterations(), (long) start + cfg.stopAfter());
            double windowLoss = 0;
            int windowIterations = 0;
            double recent = Double.NaN;
            int badIterations = 0;
            int restores = 0;
            long windowStart = System.nanoTime();
            try (Task task = Task.start("train ShapeWorld", cfg.iterations(), listener)) {
                if (start > 0) task.step(start, Map.of(), "resumed at step " + start);
                for (int step = start; step < end; step++) {
                    float lr = cfg.learningRate(step);
                    float loss = Float.NaN;
                    float gradNorm = Float.NaN;
                    // Every draw of a step is seeded by the step, so a recomputation is the same computation. A faulty
                    // libtorch convolution once left stale heap memory in gradients, NaN at random where a rerun was finite
                    // (README "Reliability"; routed around since); recomputing keeps such a run identical to one without
                    // the fault. A step that stays non-finite is skipped (AdamW leaves weights and moments untouched).
                    for (int attempt = 1; attempt <= RECOMPUTE && !(Float.isFinite(loss) && Float.isFinite(gradNorm)); attempt++) {
                        if (attempt > 1) log("step " + (step + 1) + ": non-finite loss " + loss + " / grad norm " + gradNorm
                                + ", recomputed (attempt " + attempt + " of " + RECOMPUTE + ")");
                        loss = forwardBackward(unet, text, data, manager, step);
                        if (Boolean.getBoolean("erasure.train.debug")) debugNonFinite(params, step, loss);
                        gradNorm = opt.step(lr, cfg.maxGradNorm());
                    }
                    if (!Float.isFinite(loss) || !Float.isFinite(gradNorm)) {
                        // the update was skipped; a model whose weights went bad goes back to its checkpoint
                        log("step " + (step + 1) + ": non-finite loss " + loss + " / grad norm " + gradNorm + ", update skipped");
                        if (++badIterations >= 3) {
                            if (++restores > 3) {
                                throw new IllegalStateException("training stopped at step " + (step + 1) + ": non-finite loss or "
                                        + "gradients in 3 consecutive steps after " + (restores - 1) + " restores from "
                                        + checkpointDir() + " (learning rate too high, or bad weights)");
                            }
                            step = restore(params, opt, ema, manager) - 1;
                            badIterations = 0;
                        }
                        continue;
                    }
                    badIterations = 0;
                    restores = 0;
                    ema.update();
                    windowLoss += loss;
                    windowIterations++;
                    int done = step + 1;
                    task.step(1, Map.of("loss", (double) loss, "lr", (double) lr), null);
                    if (done % cfg.logEvery() == 0 || done == end) {
                        double secs = (System.nanoTime() - windowStart) / 1e9;
                        recent = windowLoss / windowIterations;
                        // train.log's format, as the shipped models/shapeworld/train.log has it ("steps/s": iterations/s)
                        log(String.format("step %d loss %.5f lr %.6f grad_norm %.3f steps/s %.3f", done, recent, lr,
                                gradNorm, windowIterations / secs));
                        windowLoss = 0;
                        windowIterations = 0;
                        windowStart = System.nanoTime();
                    }
                    if (done % cfg.checkpointEvery() == 0 || done == end) saveCheckpoint(params, opt, ema, done);
                    if (cfg.snapshotEvery() > 0 && done % cfg.snapshotEvery() == 0) {
                        export(ema.shadow(), cfg.output().resolve("snapshots").resolve("step-" + done), done);
                    }
                }
            }
            if (end == cfg.iterations()) export(ema.shadow(), cfg.output().resolve("final"), end);
            return new Result(end, recent, cfg.output());
        }
    }

    /** One step's loss; gradients accumulate on the parameters. All temporaries die with the scope. */
    private float forwardBackward(UNet2DConditionModel unet, ClipTextModel text, ShapeWorldDataset data,
                                  NDManager manager, int step) {
        SplittableRandom rng = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + step);
        int b = cfg.batchSize();
        int[] t = new int[b];
        float[] flip = new float[b];
        for (int i = 0; i < b; i++) {
            t[i] = rng.nextInt(cfg.trainTimesteps());
            flip[i] = cfg.horizontalFlip() && rng.nextBoolean() ? 1f : 0f;
        }
        try (NDScope scope = new NDScope();
             GradientCollector gc = Gradients.collector()) {
            ShapeWorldDataset.Batch batch = data.batchNumber(manager, step, b);
            NDArray images = batch.images();
            NDArray f = manager.create(flip, new Shape(b, 1, 1, 1));
            NDArray x0 = images.flip(3).mul(f).add(images.mul(f.neg().add(1f)));
            Engine.getEngine("PyTorch").setRandomSeed((int) (cfg.seed() * 1_000_003L + step));
            NDArray eps = manager.randomNormal(x0.getShape());
            NDArray xt = noise.addNoise(x0, eps, t);
            long[] tl = new long[b];
            for (int i = 0; i < b; i++) tl[i] = t[i];
            NDArray context = text.forward(batch.ids());
            NDArray pred = unet.forward(xt, manager.create(tl), context);
            NDArray loss = pred.sub(eps).square().mean();
            gc.backward(loss);
            return loss.getFloat();
        }
    }

    private void debugNonFinite(Map<String, NDArray> params, int step, float loss) {
        StringBuilder bad = new StringBuilder();
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                float g = e.getValue().getGradient().abs().max().getFloat();
                float w = e.getValue().abs().max().getFloat();
                if (!Float.isFinite(g) || !Float.isFinite(w)) bad.append(' ').append(e.getKey()).append(" |g|=").append(g).append(" |w|=").append(w);
            }
        }
        if (!Float.isFinite(loss) || bad.length() > 0) log("debug step " + step + " loss " + loss + bad);
    }

    private static Map<String, NDArray> part(Map<String, NDArray> params, boolean textPart) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (k.startsWith(TEXT) == textPart) out.put(textPart ? k.substring(TEXT.length()) : k, v);
        });
        return out;
    }

    /** Writes {@code weights} (joint keys) as a loadable diffusers folder. */
    public void export(Map<String, NDArray> weights, Path folder, int step) {
        ModelExport.save(folder, cfg.unetConfig(), part(weights, false), cfg.textConfig(), part(weights, true),
                cfg.schedulerConfig(),
                Map.of("step", Integer.toString(step), "trained_by", "dev.erasure.toy.ShapeWorldTrainer"));
    }

    private Path checkpointDir() {
        return cfg.output().resolve("checkpoint");
    }

    private void saveCheckpoint(Map<String, NDArray> params, AdamW opt, Ema ema, int step) {
        Path dir = checkpointDir();
        Path tmp = cfg.output().resolve("checkpoint.tmp");
        Path old = cfg.output().resolve("checkpoint.old");
        try {
            AtomicFiles.deleteTree(tmp);
            Files.createDirectories(tmp);
            Safetensors.save(tmp.resolve("params.safetensors"), params, Map.of());
            Safetensors.save(tmp.resolve("ema.safetensors"), ema.shadow(), Map.of());
            Safetensors.save(tmp.resolve("optimizer.safetensors"), opt.state(), Map.of());
            JsonObject state = new JsonObject();
            state.addProperty("step", step);
            state.addProperty("optimizer_steps", opt.steps());
            state.addProperty("ema_updates", ema.updates());
            state.addProperty("planned_steps", cfg.iterations()); // the key of checkpoints already written
            state.addProperty("seed", cfg.seed());
            state.addProperty("batch_size", cfg.batchSize());
            state.add("scheduler", cfg.schedulerConfig());
            ModelExport.write(tmp.resolve("state.json"), state);
            AtomicFiles.deleteTree(old);
            if (Files.exists(dir)) Files.move(dir, old);
            Files.move(tmp, dir);
            AtomicFiles.deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads the newest checkpoint (or the previous one if a crash fell between the two moves); 0 if none. */
    private int restore(Map<String, NDArray> params, AdamW opt, Ema ema, NDManager manager) {
        Path dir = checkpointDir();
        if (!Files.isRegularFile(dir.resolve("state.json"))) dir = cfg.output().resolve("checkpoint.old");
        if (!Files.isRegularFile(dir.resolve("state.json"))) return 0;
        try (NDManager tmp = manager.newSubManager()) {
            JsonObject state = JsonParser.parseString(Files.readString(dir.resolve("state.json"))).getAsJsonObject();
            if (state.get("planned_steps").getAsInt() != cfg.iterations() || state.get("seed").getAsLong() != cfg.seed()
                    || state.get("batch_size").getAsInt() != cfg.batchSize()) {
                throw new IllegalStateException("checkpoint " + dir + " was made with planned_steps/seed/batch "
                        + state.get("planned_steps") + "/" + state.get("seed") + "/" + state.get("batch_size")
                        + ", this run has iterations/seed/batch " + cfg.iterations() + "/" + cfg.seed() + "/" + cfg.batchSize()
                        + " (the learning-rate schedule and data order would not continue)");
            }
            if (state.has("scheduler") && !state.get("scheduler").equals(cfg.schedulerConfig())) {
                throw new IllegalStateException("checkpoint " + dir + " was trained on the noise schedule " + state.get("scheduler")
                        + ", this run uses " + cfg.schedulerConfig() + " (the timesteps would change meaning mid-run)");
            }
            Map<String, NDArray> saved = Safetensors.load(dir.resolve("params.safetensors"), tmp);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray s = saved.get(e.getKey());
                if (s == null) throw new IllegalStateException("checkpoint " + dir + " lacks parameter " + e.getKey());
                Tensors.copyInto(e.getValue(), s);
            }
            ema.restore(Safetensors.load(dir.resolve("ema.safetensors"), tmp), state.get("ema_updates").getAsLong());
            opt.restore(Safetensors.load(dir.resolve("optimizer.safetensors"), tmp), state.get("optimizer_steps").getAsLong());
            int step = state.get("step").getAsInt();
            log("resumed from " + dir + " at step " + step);
            return step;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    private void log(String line) {
        try {
            Files.createDirectories(cfg.output());
            Files.writeString(cfg.output().resolve("train.log"), Instant.now() + " " + line + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
