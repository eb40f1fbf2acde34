package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

    /** The UNet read as ε whatever it predicts (v for SD 2.x 768-v: {@link EpsilonPrediction}). */
    @Override
    public NoisePredictor unet(Weights weights) {
        UNet2DConditionModel u = sd.unet().withWeights(weights);
        NoisePredictor raw = (x, t, c) -> u.forward(x, x.getManager().create((long) t), c);
        return EpsilonPrediction.of(raw, sd.scheduler().predictionType().name(), alphasCumprod());
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
