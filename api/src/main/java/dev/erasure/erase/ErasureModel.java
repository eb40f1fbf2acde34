package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Weights;

import java.util.List;

/**
 * What the erasure engine needs of a text-to-image diffusion model: text states, an ε-UNet for
 * any set of weights (so the frozen and the trained UNet share every frozen tensor), the noise
 * schedule. {@code SdErasureModel} adapts a {@code StableDiffusion}.
 */
public interface ErasureModel {
    NDManager manager();

    /** The UNet's weights by diffusers key (the frozen original). */
    Weights unetWeights();

    /** The UNet with these weights (e.g. an overlay of trainable copies) read as ε, whatever the model predicts ({@link EpsilonPrediction}). */
    NoisePredictor unet(Weights weights);

    /**
     * Text states [n,77,D] of the prompts, no gradient: what every cross-attention K/V reads (SD:
     * the last hidden state after the final LayerNorm; SDXL: the concatenated prompt embeddings).
     */
    NDArray encode(List<String> prompts);

    /**
     * The UNet conditioning of the prompts for a {@code latentSize}² latent, no gradient: SD's is the
     * text states alone; SDXL's adds the pooled embeddings and the pipeline's default time ids for
     * that image size (no crop, original = target).
     */
    default Conditioning condition(List<String> prompts, int latentSize) {
        return Conditioning.of(encode(prompts));
    }

    /**
     * Refuses, up front, a method that can only condition the UNet on text states when this model's
     * UNet also needs pooled embeddings and time ids (SDXL); {@code why} says what the method lacks.
     */
    default void requireTextStatesOnly(String method, String why) {
    }

    /**
     * Refuses, up front, a method with no mixed-precision path when this model is half precision;
     * {@code why} says what it lacks.
     */
    default void requireFullPrecision(String method, String why) {
        if (unetWeights().asMap().values().iterator().next().getDataType() == DataType.FLOAT16) {
            throw new IllegalArgumentException(method + " cannot train a float16 model yet: " + why
                    + "; load the model in float32 (LoadOptions.defaults().dtype(DataType.FLOAT32), --dtype fp32)");
        }
    }

    /**
     * Tokens of the prompt including BOS and EOS, after truncation to the text encoder's length
     * (UCE's n(s) = this − 2 is the row of the last word token).
     */
    default int tokenCount(String prompt) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no tokenizer");
    }

    /** ᾱ_t for t = 0..T−1 (float32 math, as diffusers). */
    float[] alphasCumprod();

    /** Latent channels of the UNet input (4 for SD). */
    int latentChannels();

    /** The latent size the model was trained at (the UNet's sample_size: 64 for SD-1.4). */
    default int defaultLatentSize() {
        return 64;
    }
}
