package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.Conditioning;

/**
 * ε-prediction of a UNet with fixed weights: ε(x, t, c) for latents [B,C,H,W] and the UNet's whole
 * conditioning (SD: prompt embeddings [B,77,D]; SDXL: also pooled embeddings and time ids), so every
 * method drives SD and SDXL through the same call.
 */
@FunctionalInterface
public interface NoisePredictor {
    NDArray predict(NDArray latent, int timestep, Conditioning cond);
}
