package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.Weights;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.sd.scheduler.SchedulerType;

import java.util.List;

/**
 * A {@link StableDiffusionXL} as the erasure engine sees it, for the methods that need only the
 * cross-attention inputs: text states are SDXL's prompt embeddings [n,77,D1+D2] (what every
 * attn2.to_k/to_v reads), so UCE's closed form edits SDXL's cross-attention exactly as on SD.
 * The training methods (ESD, EAP, CA, AdvUnlearn, AdvAnchor) also need the pooled embedding and
 * time ids in every UNet call, which the engine's {@link NoisePredictor} does not carry yet:
 * {@link #unet} refuses them with that reason rather than run a wrongly conditioned UNet.
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
        throw new UnsupportedOperationException("SDXL: this method trains through the UNet, whose SDXL conditioning "
                + "(pooled embeddings + time ids) the erasure engine does not pass yet; UCE (closed form on the "
                + "cross-attention) runs on SDXL");
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
        var s = xl.scheduler(SchedulerType.EULER);
        return ((EulerDiscreteScheduler) s).alphasCumprod();
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
