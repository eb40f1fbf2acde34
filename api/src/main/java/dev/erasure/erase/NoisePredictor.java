package dev.erasure.erase;

import ai.djl.ndarray.NDArray;

/** ε-prediction of a UNet with fixed weights: ε(x, t, c) for latents [B,C,H,W] and text states [B,77,D]. */
@FunctionalInterface
public interface NoisePredictor {
    NDArray predict(NDArray latent, int timestep, NDArray textStates);
}
