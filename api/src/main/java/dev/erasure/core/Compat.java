package dev.erasure.core;

/**
 * Which reading of the official code the training latent follows (methods.md §0.2 and §9.9).
 *
 * <p>The default is {@link #OFFICIAL}: every published ESD/EAP number and checkpoint comes from
 * code with these quirks, so reproducing them needs them.
 */
public enum Compat {
    /**
     * The official CompVis sampler as used by ESD (old), EAP and AdvUnlearn: the top DDIM step
     * (t = 981) is skipped, pure noise is fed at t = 961, the trajectory stops after index k−1,
     * so the latent sits at noise level ᾱ(20k−39) while the UNets are queried at a random
     * t ∈ [20k, 20k+19]; k = 0 and k = 1 both give a fully denoised latent. Candidate distances
     * use {@code F.pairwise_distance} (adds eps 1e-6 to the difference).
     */
    OFFICIAL,
    /**
     * The offset fixed: the trajectory starts at the top step (t = 981), stops at the grid index
     * k, and the UNets are queried at exactly that grid timestep τ_k = 20k+1 (the noise level of
     * the latent, as the current diffusers ESD does). Candidate distances are plain L2.
     */
    CORRECTED
}
