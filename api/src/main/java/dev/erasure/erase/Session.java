package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.progress.Cancellation;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Djl;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Adam;
import dev.erasure.train.LossScale;
import dev.erasure.train.SeededRandom;

import java.util.Arrays;
import java.util.List;

/**
 * The shared state of one erasure run: the frozen and the trained UNet (sharing frozen tensors),
 * θ (a UNet subset, or for AdvUnlearn a text-encoder subset) and its optimiser, the GenLatent
 * sampler, the run's only random source, and the text states of the empty prompt and the targets.
 * Methods draw from {@link #random()} in a fixed order. θ, its optimiser and the random state are
 * what {@link Checkpoints} saves for every method.
 */
public final class Session implements AutoCloseable {
    private final ErasureModel model;
    private final Settings settings;
    private final NDManager manager;
    private final TrainableWeights trainable;
    private final TrainableWeights textEncoder; // null unless θ is a text-encoder subset
    private final Adam adam;
    private final GenLatent genLatent;
    private final NoisePredictor frozenUnet;
    private final NoisePredictor trainedUnet;
    private final Conditioning uncond;
    private final Conditioning targets;
    private final DataType dtype;
    private final LossScale lossScale;
    private SeededRandom random;

    /** A session that trains the {@code settings.params()} subset of the UNet. */
    public Session(ErasureModel model, Settings settings) {
        this(model, settings, null, List.of());
    }

    /**
     * A session whose θ is the {@code select} subset of a text encoder (AdvUnlearn): the UNet stays
     * frozen (no UNet copies, the "trained" UNet is the frozen one).
     */
    public static Session trainingTextEncoder(ErasureModel model, Settings settings, Weights textEncoder,
                                              TextEncoderParams select) {
        return new Session(model, settings, textEncoder, select.select(textEncoder.keys()));
    }

    private Session(ErasureModel model, Settings settings, Weights textEncoderWeights, List<String> textEncoderKeys) {
        Djl.gradOffOnThisThread(); // copies of θ are made with grad mode off, whichever thread runs
        this.model = model;
        this.settings = settings;
        this.manager = model.manager().newSubManager();
        boolean trainUnet = textEncoderWeights == null;
        this.trainable = trainUnet ? TrainableWeights.select(model.unetWeights(), settings.params(), manager)
                : TrainableWeights.none(model.unetWeights());
        this.textEncoder = trainUnet ? null : TrainableWeights.copies(textEncoderWeights, textEncoderKeys, manager);
        this.adam = new Adam(theta().tensors(), settings.learningRate(), manager);
        this.lossScale = theta().mixedPrecision() ? LossScale.dynamic() : LossScale.none();
        this.genLatent = new GenLatent(model.alphasCumprod(), settings.ddimGrid(), settings.compat());
        this.frozenUnet = model.unet(model.unetWeights());
        this.trainedUnet = model.unet(trainable.overlay());
        this.uncond = keep(condition(List.of("")));
        this.targets = keep(condition(settings.targets()));
        this.random = new SeededRandom(settings.seed());
        this.dtype = uncond.promptEmbeds().getDataType();
    }

    /** Moves a long-lived array into the run's manager and out of any open NDScope. */
    public NDArray keep(NDArray a) {
        a.attach(manager);
        NDScope.unregister(a);
        return a;
    }

    /** Every part of a long-lived conditioning, as {@link #keep(NDArray)}. */
    public Conditioning keep(Conditioning c) {
        return c.map(this::keep);
    }

    /** The model's UNet conditioning of these prompts at this run's latent size. */
    public Conditioning condition(List<String> prompts) {
        return model.condition(prompts, settings.latentSize());
    }

    /** The conditioning of target i (batch 1). */
    public Conditioning target(int i) {
        return targets.rows(i, i + 1);
    }

    /** The conditioning of the empty prompt c∅. */
    public Conditioning uncond() {
        return uncond;
    }

    /** x_T ~ N(0, I) [1,C,H,W] from the run's random source. */
    public NDArray noise() {
        int c = model.latentChannels();
        int s = settings.latentSize();
        NDArray x = manager.create(random.gaussians(c * s * s), new Shape(1, c, s, s));
        return x.getDataType() == dtype ? x : x.toType(dtype, false);
    }

    /** Draws k ~ U{0..N−1} and t_ddpm ~ U[round(1000k/N), round(1000(k+1)/N)), returns {k, query timestep}. */
    public int[] drawTimestep() {
        int k = random.nextInt(genLatent.gridSize());
        int tDdpm = random.nextInt(genLatent.ddpmLow(k), genLatent.ddpmHigh(k));
        return new int[] {k, genLatent.queryTimestep(k, tDdpm)};
    }

    /** GenLatent with the current trained weights, CFG start_guidance against c∅ (grad mode must be off). */
    public NDArray genLatent(Conditioning cond, NDArray noise, int k) {
        return genLatent.run(GuidedNoise.cfg(trainedUnet, cond, uncond, settings.startGuidance()), noise, k);
    }

    /**
     * GenLatent of several conditionings from the same x_T and k as ONE trajectory of batch 2n: the UNet sees
     * [c∅ × n, c_1 … c_n] at every step instead of n separate batches of 2 (EAP's target and adversarial
     * latents: one batch of 4). The same latents as {@link #genLatent} per conditioning within float
     * rounding (batched kernels sum in another order), and as deterministic.
     */
    public List<NDArray> genLatents(NDArray noise, int k, Conditioning... conds) {
        if (conds.length == 1) return List.of(genLatent(conds[0], noise, k));
        Conditioning[] unconds = new Conditioning[conds.length];
        Arrays.fill(unconds, uncond);
        NDArray x = noise.repeat(0, conds.length);
        // x is left to the caller's scope: at the grid's top k the trajectory has no step and returns x itself
        NDArray z = genLatent.run(GuidedNoise.cfg(trainedUnet, Conditioning.concat(conds), Conditioning.concat(unconds),
                settings.startGuidance()), x, k);
        return z.split(conds.length, 0);
    }

    /** A cancellation check, called before every UNet call outside GenLatent. */
    public void checkIfCancelled() {
        Cancellation.checkIfCancelled();
    }

    /** Mean squared error, in fp32 whatever the model's precision (an fp16 mean over a latent loses digits). */
    public NDArray mse(NDArray a, NDArray b) {
        return fp32(a).sub(fp32(b)).square().mean();
    }

    private static NDArray fp32(NDArray a) {
        return Nn.cast(a, DataType.FLOAT32); // recorded by autograd, unlike toType
    }

    /** What backward gets for {@code loss}: the loss itself, or loss × S under mixed precision ({@link LossScale}). */
    public NDArray scaled(NDArray loss) {
        return lossScale.scaled(loss);
    }

    /**
     * Readies the gradients of these optimisers' parameters for their steps (divides them by the loss
     * scale under mixed precision); false when one overflowed: the gradients are zeroed and the caller
     * skips the steps (as GradScaler does). Always true in full precision.
     */
    public boolean unscaleGradients(Adam... optimisers) {
        List<NDArray> params = Arrays.stream(optimisers).flatMap(o -> o.parameters().values().stream()).toList();
        if (lossScale.unscale(params)) return true;
        for (Adam o : optimisers) o.zeroGrad();
        return false;
    }

    /** One θ update from the current gradients: {@link #unscaleGradients} then Adam's step (skipped on an overflow). */
    public void step() {
        if (unscaleGradients(adam)) adam.step();
    }

    /** The run's loss scale (S = 1, never changing, in full precision). */
    public LossScale lossScale() {
        return lossScale;
    }

    public ErasureModel model() {
        return model;
    }

    public Settings settings() {
        return settings;
    }

    public NDManager manager() {
        return manager;
    }

    /** The trained UNet subset (empty when θ is a text-encoder subset). */
    public TrainableWeights trainable() {
        return trainable;
    }

    /** The trained text-encoder subset, or null when θ is a UNet subset. */
    public TrainableWeights trainedTextEncoder() {
        return textEncoder;
    }

    /** θ, whichever network it belongs to: what {@link #adam()} updates and a checkpoint saves. */
    public TrainableWeights theta() {
        return textEncoder != null ? textEncoder : trainable;
    }

    public Adam adam() {
        return adam;
    }

    public GenLatent sampler() {
        return genLatent;
    }

    public NoisePredictor frozenUnet() {
        return frozenUnet;
    }

    public NoisePredictor trainedUnet() {
        return trainedUnet;
    }

    public SeededRandom random() {
        return random;
    }

    /** Restores the random stream (checkpoint resume). */
    public void restoreRandom(long state) {
        this.random = new SeededRandom(state);
    }

    @Override
    public void close() {
        manager.close();
    }
}
