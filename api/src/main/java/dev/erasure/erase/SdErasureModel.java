package dev.erasure.erase;

import java.util.Locale;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.sd.DdimScheduler;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.Weights;

import java.util.List;

/** A {@link StableDiffusion} as the erasure engine sees it. */
public final class SdErasureModel implements ErasureModel {
    private final StableDiffusion sd;

    public SdErasureModel(StableDiffusion sd) {
        this.sd = sd;
    }

    public StableDiffusion pipeline() {
        return sd;
    }

    /**
     * The methods read the UNet output as ε (methods.md); a v-prediction model (SD 2.x 768-v) would
     * train on the wrong target without any error, so it is refused before any weights are copied.
     */
    @Override
    public void requireEpsilonPrediction() {
        DdimScheduler.Prediction p = sd.scheduler().predictionType();
        if (p != DdimScheduler.Prediction.EPSILON) {
            throw new IllegalArgumentException(sd.source() + " predicts " + p.name().toLowerCase(Locale.ROOT)
                    + " (scheduler_config prediction_type); the training methods need an epsilon-prediction model"
                    + " (SD 1.x, SD 2.x base 512); UCE, which edits only the cross-attention projections, runs on it");
        }
    }

    /** The pipeline with these UNet weights (everything else shared). */
    public StableDiffusion withUnetWeights(Weights w) {
        return sd.withUnet(sd.unet().withWeights(w));
    }

    @Override
    public NDManager manager() {
        return sd.manager();
    }

    @Override
    public Weights unetWeights() {
        return sd.unet().weights();
    }

    @Override
    public NoisePredictor unet(Weights weights) {
        UNet2DConditionModel u = sd.unet().withWeights(weights);
        return (x, t, c) -> u.forward(x, x.getManager().create((long) t), c);
    }

    @Override
    public NDArray encode(List<String> prompts) {
        return sd.encodePrompts(prompts);
    }

    @Override
    public int tokenCount(String prompt) {
        return Math.min(sd.tokenizer().encodeUnpadded(prompt).length, sd.tokenizer().maxLength());
    }

    @Override
    public float[] alphasCumprod() {
        return sd.scheduler().alphasCumprod();
    }

    @Override
    public int defaultLatentSize() {
        return sd.unet().config().sampleSize;
    }

    @Override
    public int latentChannels() {
        return sd.unet().config().inChannels;
    }
}
