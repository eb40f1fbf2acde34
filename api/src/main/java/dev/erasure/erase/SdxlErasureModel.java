package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.Weights;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.sd.scheduler.SchedulerType;

import java.util.List;

/**
 * A {@link StableDiffusionXL} as the erasure engine sees it. Text states are SDXL's prompt
 * embeddings [n,77,D1+D2] (what every attn2.to_k/to_v reads), so UCE's closed form edits SDXL's
 * cross-attention exactly as on SD. The training methods condition the UNet on
 * {@link #condition}: prompt embeddings, the pooled embedding of text encoder 2 and the time ids
 * of the training image size; the empty prompt c∅ of ESD/EAP is the encoded "" (as on SD), not
 * the pipeline's zeroed negative, which is an inference-time choice.
 */
public final class SdxlErasureModel implements ErasureModel {
    private final StableDiffusionXL xl;

    public SdxlErasureModel(StableDiffusionXL xl) {
        this.xl = xl;
    }

    public StableDiffusionXL pipeline() {
        return xl;
    }

    /** The pipeline with these UNet weights (everything else shared). */
    public StableDiffusionXL withUnetWeights(Weights w) {
        return xl.withUnet(xl.unet().withWeights(w));
    }

    @Override
    public NDManager manager() {
        return xl.manager();
    }

    @Override
    public Weights unetWeights() {
        return xl.unet().weights();
    }

    @Override
    public NoisePredictor unet(Weights weights) {
        UNet2DConditionModel u = xl.unet().withWeights(weights);
        NoisePredictor raw = (x, t, c) -> u.forward(x, x.getManager().create((long) t), c);
        return EpsilonPrediction.of(raw, euler().prediction().name(), alphasCumprod()); // read as ε, whatever it predicts
    }

    @Override
    public Conditioning condition(List<String> prompts, int latentSize) {
        int size = latentSize * xl.vaeScaleFactor();
        return xl.conditioning(prompts, size, size);
    }

    @Override
    public void requireTextStatesOnly(String method, String why) {
        throw new IllegalArgumentException(method + " cannot run on SDXL (" + xl + "): " + why
                + "; on SDXL use ESD, EAP (any preserve(..)), Concept Ablation, AdvAnchor or UCE");
    }

    @Override
    public NDArray encode(List<String> prompts) {
        return xl.prompts().encode(prompts).promptEmbeds();
    }

    /** Tokens of tokenizer 1 (tokenizer 2 differs only for prompts with "!", which it splits). */
    @Override
    public int tokenCount(String prompt) {
        var tok = xl.prompts().tokenizer1();
        return Math.min(tok.encodeUnpadded(prompt).length, tok.maxLength());
    }

    @Override
    public float[] alphasCumprod() {
        return euler().alphasCumprod();
    }

    private EulerDiscreteScheduler euler() {
        return (EulerDiscreteScheduler) xl.scheduler(SchedulerType.EULER);
    }

    @Override
    public int latentChannels() {
        return xl.unet().config().inChannels;
    }

    @Override
    public int defaultLatentSize() {
        return xl.unet().config().sampleSize;
    }
}
