package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.nn.Nn;

/**
 * The methods are written for a UNet that predicts the noise ε (methods.md). A model trained to
 * predict v (SD 2.x 768-v) or the clean sample is read through the exact conversion the schedulers
 * use (diffusers' DDIM step): ε = √ᾱ_t·v + √(1−ᾱ_t)·x_t, or ε = (x_t − √ᾱ_t·x̂0)/√(1−ᾱ_t). Every
 * method then runs unchanged: GenLatent's DDIM steps, the x0 projections of EAP and the ε targets
 * are exact. An ε-space MSE between two predictions at the same (x_t, t) is ᾱ_t times their v-space
 * MSE (ε_a − ε_b = √ᾱ_t·(v_a − v_b)), so ESD-style losses on a v-model weigh timesteps by ᾱ_t
 * relative to a loss taken on the raw v output.
 */
final class EpsilonPrediction {
    private EpsilonPrediction() {
    }

    /**
     * {@code raw} read as ε, for a model whose scheduler config names {@code predictionType}
     * ("EPSILON", "V_PREDICTION" or "SAMPLE", as the schedulers' enums spell it).
     */
    static NoisePredictor of(NoisePredictor raw, String predictionType, float[] alphasCumprod) {
        return switch (predictionType) {
            case "EPSILON" -> raw;
            case "V_PREDICTION" -> (x, t, c) -> {
                float a = alphasCumprod[t];
                return raw.predict(x, t, c).mul(Nn.scalar(x, (float) Math.sqrt(a))).add(x.mul(Nn.scalar(x, (float) Math.sqrt(1 - a))));
            };
            case "SAMPLE" -> (x, t, c) -> {
                float a = alphasCumprod[t];
                NDArray x0 = raw.predict(x, t, c);
                return x.sub(x0.mul(Nn.scalar(x, (float) Math.sqrt(a)))).div(Nn.scalar(x, (float) Math.sqrt(1 - a)));
            };
            default -> throw new IllegalArgumentException("unknown prediction type " + predictionType);
        };
    }
}
