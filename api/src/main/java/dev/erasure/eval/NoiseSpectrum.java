package dev.erasure.eval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.core.Vocabulary;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.DdimScheduler;
import dev.erasure.sd.scheduler.SchedulerType;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.UNet2DConditionModel;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cheap sensitivity spectrum (the paper's Fig. 2 without images): for every concept c of a
 * vocabulary, how similar the original and the erased UNet's noise predictions ε(x_t, t, c) are on
 * the same random latents x_t and timesteps t. Identical models give cosine 1 and MSE 0; the
 * erased concept and its neighbours drift the most. Concepts are encoded and denoised in batches
 * (one UNet forward per model per batch of {@code batchSize × samples}); small latents (8×8) keep a
 * 3000-word spectrum cheap. A record with withers; {@link #over} is cancellable and reports progress
 * in concepts.
 */
public record NoiseSpectrum(Pipeline original, Pipeline erased, int batchSize, int samples, int latentSize,
                            long seed, String target, ProgressListener listener) {
    /** Validates every option once, naming it; the latent size must suit the UNet's downsampling. */
    public NoiseSpectrum {
        Objects.requireNonNull(original, "original model");
        Objects.requireNonNull(erased, "erased model");
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be ≥ 1, got " + batchSize);
        if (samples <= 0) throw new IllegalArgumentException("samples must be ≥ 1, got " + samples);
        int cells = 1 << unet(original).config().numDownsamplers();
        unet(erased);
        if (latentSize <= 0 || latentSize % cells != 0) {
            throw new IllegalArgumentException("latentSize must be a positive multiple of " + cells
                    + " (the UNet's downsampling), got " + latentSize);
        }
        if (listener == null) listener = ProgressListener.NONE;
    }

    /** 32 concepts per batch, 2 shared (latent, timestep) samples, 8×8 latents, seed 0; SD or SDXL (both of one kind). */
    static NoiseSpectrum of(Pipeline original, Pipeline erased) {
        if (original.getClass() != erased.getClass()) {
            throw new IllegalArgumentException("the original is " + original.getClass().getSimpleName() + ", the erased model "
                    + erased.getClass().getSimpleName() + ": a spectrum compares two models of one kind");
        }
        return new NoiseSpectrum(original, erased, 32, 2, 8, 0, null, ProgressListener.NONE);
    }

    /**
     * Concepts per batch (each batch is one text-encoder and one UNet forward per model). The default
     * 32 gives 64 UNet rows with 2 samples: on one core the tiny UNet's cost per row is lowest at
     * 32–64 rows and rises again beyond (128 rows cost 1.3× per row: the attention scores leave the cache).
     */
    public NoiseSpectrum batchSize(int n) {
        return Records.with(this, "batchSize", n);
    }

    /** Shared (latent, timestep) pairs per concept; the same pairs for every concept. */
    public NoiseSpectrum samples(int n) {
        return Records.with(this, "samples", n);
    }

    /** Latent height = width in cells (default 8); must suit the UNet's downsampling. */
    public NoiseSpectrum latentSize(int n) {
        return Records.with(this, "latentSize", n);
    }

    public NoiseSpectrum seed(long base) {
        return Records.with(this, "seed", base);
    }

    /** Adds a {@code similarity} column: text-embedding cosine of each concept to this target. */
    public NoiseSpectrum target(String concept) {
        return Records.with(this, "target", concept);
    }

    public NoiseSpectrum onProgress(ProgressListener l) {
        return Records.with(this, "listener", l);
    }

    public Table over(Vocabulary vocabulary) {
        return over(vocabulary.words());
    }

    /**
     * One row per concept: concept, cosine (mean over the samples of cos(ε_orig, ε_erased)), mse
     * (mean squared difference), and similarity (to the target, when set).
     */
    public Table over(List<String> concepts) {
        if (concepts.isEmpty()) throw new IllegalArgumentException("no concepts given");
        int n = concepts.size();
        double[] cos = new double[n], mse = new double[n], sim = target == null ? null : new double[n];
        double[] targetPooled = target == null ? null : TextSimilarity.pooled(original, List.of(target))[0];
        Side orig = side(original, latentSize);
        Side edit = side(erased, latentSize);
        int channels = orig.unet().config().inChannels;
        try (NDManager m = orig.manager().newSubManager(); Task task = Task.start("noise spectrum", n, listener)) {
            NDArray latents = m.create(normal(channels), new Shape(samples, channels, latentSize, latentSize)).toType(original.dtype(), false);
            int[] timesteps = timesteps();
            for (int start = 0; start < n; start += batchSize) {
                List<String> chunk = concepts.subList(start, Math.min(n, start + batchSize));
                int b = chunk.size();
                try (NDScope scope = new NDScope()) {
                    Encoded condA = orig.encode(chunk);
                    Conditioning condB = edit.textEncoder() == orig.textEncoder() ? condA.condition() : edit.encode(chunk).condition();
                    NDArray x = tileLatents(latents, b);
                    NDArray t = m.create(tiledTimesteps(timesteps, b));
                    NDArray ea = orig.unet().forward(x, t, condA.condition().map(this::repeatConcepts));
                    task.checkIfCancelled();
                    NDArray eb = edit.unet().forward(x, t, condB.map(this::repeatConcepts));
                    PairStats p = PairStats.of(ea, eb);
                    double[][] pooled = sim == null ? null : condA.pooled().get();
                    for (int j = 0; j < b; j++) {
                        double c = 0, e = 0;
                        for (int i = 0; i < samples; i++) {
                            c += p.cosine(j * samples + i);
                            e += p.mse[j * samples + i];
                        }
                        cos[start + j] = c / samples;
                        mse[start + j] = e / samples;
                        if (sim != null) sim[start + j] = TextSimilarity.cosine(pooled[j], targetPooled);
                    }
                    t.close();
                }
                task.step(b, Map.of("cosine", cos[start + b - 1]), chunk.get(b - 1));
            }
        }
        Table table = Table.create("noise spectrum", StringColumn.create("concept", concepts),
                DoubleColumn.create("cosine", cos), DoubleColumn.create("mse", mse));
        if (sim != null) table.addColumns(DoubleColumn.create("similarity", sim));
        return table;
    }

    /**
     * What the spectrum needs of one model: its UNet, the identity of its text side (the same object in
     * both models: encode once), how it conditions a batch of prompts at the spectrum's latent size, and
     * its training schedule's length.
     */
    private record Side(UNet2DConditionModel unet, Object textEncoder, NDManager manager, int trainTimesteps,
                        Function<List<String>, Encoded> encoder) {
        Encoded encode(List<String> prompts) {
            return encoder.apply(prompts);
        }
    }

    /** A batch's UNet conditioning and, on demand, its pooled text embeddings (the similarity column). */
    private record Encoded(Conditioning condition, Supplier<double[][]> pooled) {
    }

    /**
     * SD: the text states of the last layer, and the EOS states from the same forward for the similarity;
     * SDXL: prompt and pooled embeddings with the default time ids of a {@code latentSize}-latent image.
     */
    private static Side side(Pipeline p, int latentSize) {
        if (p instanceof StableDiffusion sd) {
            return new Side(sd.unet(), sd.textEncoder(), sd.manager(), sd.scheduler().numTrainTimesteps(), prompts -> {
                ClipTextModel.Output enc = sd.textEncoder().forwardAll(sd.tokenIds(prompts));
                return new Encoded(Conditioning.of(enc.lastHiddenState()), () -> TextSimilarity.rows(enc.pooled()));
            });
        }
        if (p instanceof StableDiffusionXL xl) {
            int size = latentSize * xl.vaeScaleFactor();
            return new Side(xl.unet(), xl.prompts(), xl.manager(), ((DdimScheduler) xl.scheduler(SchedulerType.DDIM)).numTrainTimesteps(), prompts -> {
                Conditioning c = xl.conditioning(prompts, size, size);
                return new Encoded(c, () -> TextSimilarity.rows(c.pooled()));
            });
        }
        throw new IllegalArgumentException("no noise spectrum for " + p + " (Stable Diffusion 1/2 or SDXL)");
    }

    private static UNet2DConditionModel unet(Pipeline p) {
        if (p instanceof StableDiffusion sd) return sd.unet();
        if (p instanceof StableDiffusionXL xl) return xl.unet();
        throw new IllegalArgumentException("no noise spectrum for " + p + " (Stable Diffusion 1/2 or SDXL)");
    }

    /**
     * Per-row reductions of two noise predictions [r, ...], computed natively in float64 so that only
     * four numbers per row cross to Java (not the r × C·H·W predictions themselves).
     */
    private record PairStats(double[] dot, double[] normA, double[] normB, double[] mse) {
        static PairStats of(NDArray a, NDArray b) {
            NDArray x = a.reshape(a.getShape().get(0), -1).toType(DataType.FLOAT64, false);
            NDArray y = b.reshape(b.getShape().get(0), -1).toType(DataType.FLOAT64, false);
            int[] features = {1};
            return new PairStats(x.mul(y).sum(features).toDoubleArray(), x.square().sum(features).toDoubleArray(),
                    y.square().sum(features).toDoubleArray(), x.sub(y).square().mean(features).toDoubleArray());
        }

        /** As {@link TextSimilarity#cosine}: two zero vectors are identical (1), one zero vector is unrelated (0). */
        double cosine(int row) {
            double aa = normA[row], bb = normB[row];
            return aa == 0 || bb == 0 ? (aa == bb ? 1 : 0) : dot[row] / Math.sqrt(aa * bb);
        }
    }

    /** The shared standard-normal latents, drawn on the CPU with torch's generator (reproducible). */
    private float[] normal(int channels) {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            return cpu.randomNormal(new Shape(samples, channels, latentSize, latentSize)).toFloatArray();
        }
    }

    /**
     * Shared timesteps, stratified over the training schedule: sample i is uniform in the i-th of
     * {@code samples} equal slices. Each t is still uniform overall (the same expectation as
     * independent draws), but a few samples always cover low and high noise: with independent draws,
     * 2 samples often both land at small t, where the two models' predictions barely differ, and the
     * spectrum's ranking changes with the seed (measured on ShapeWorld: rank correlation with a
     * 32-sample reference from −0.05 to 0.92 across seeds for 1–2 samples).
     */
    private int[] timesteps() {
        Random r = new Random(seed);
        int total = side(original, latentSize).trainTimesteps();
        int[] t = new int[samples];
        for (int i = 0; i < samples; i++) t[i] = (int) Math.min(total - 1, Math.floor((i + r.nextDouble()) * total / samples));
        return t;
    }

    private long[] tiledTimesteps(int[] timesteps, int b) {
        long[] out = new long[b * samples];
        for (int i = 0; i < out.length; i++) out[i] = timesteps[i % samples];
        return out;
    }

    /** Latents [samples,...] tiled over b concepts: row j·samples + i is sample i (concept-major). */
    private NDArray tileLatents(NDArray x, int b) {
        long[] dims = x.getShape().getShape();
        return x.expandDims(0).broadcast(new Shape(prepend(b, dims))).reshape(withFirst(dims, (long) b * samples));
    }

    /** Per-concept rows [b,...] each repeated samples times, matching {@link #tileLatents}. */
    private NDArray repeatConcepts(NDArray x) {
        long[] dims = x.getShape().getShape();
        long[] big = prepend(dims[0], dims);
        big[1] = samples;
        return x.expandDims(1).broadcast(new Shape(big)).reshape(withFirst(dims, dims[0] * samples));
    }

    private static long[] prepend(long first, long[] dims) {
        long[] out = new long[dims.length + 1];
        out[0] = first;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return out;
    }

    private static Shape withFirst(long[] dims, long first) {
        long[] d = dims.clone();
        d[0] = first;
        return new Shape(d);
    }
}
