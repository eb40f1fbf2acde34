package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.core.Compat;
import dev.erasure.progress.Cancellation;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.nn.Scopes;

/**
 * "GenLatent" (methods.md §0.2): the partial deterministic DDIM trajectory from pure noise that
 * produces the training latent of ESD/EAP, and the matching (k, t) rules.
 *
 * <p>Grid (CompVis "uniform" discretisation): c = 1000 / N, τ_j = c·j + 1 for j = 0..N−1
 * (1, 21, …, 981 for N = 50); a_j = ᾱ[τ_j], a_prev_j = ᾱ[τ_{j−1}], a_prev_0 = ᾱ[0]; η = 0.
 * <ul>
 * <li>{@link Compat#OFFICIAL}: x_T is fed at j = N−2 (the top step is skipped), the loop runs
 * j = N−2, …, and stops after finishing j = k−1 (never for k = 0: full trajectory). For k ≥ 2 that
 * is N−k guided evaluations and a latent at noise level ᾱ[τ_{k−2}]; the UNets are then queried at
 * t_ddpm ∈ [round(1000k/N), round(1000(k+1)/N)).</li>
 * <li>{@link Compat#CORRECTED}: the loop runs j = N−1 … k+1 (N−1−k evaluations), the latent is at
 * ᾱ[τ_k] and the UNets are queried at τ_k itself.</li>
 * </ul>
 * In both modes the x0-projection of EAP uses a = a_k = ᾱ[τ_k] ({@code sampler.ddim_alphas[k]}).
 */
public final class GenLatent {
    private final float[] alphasCumprod;
    private final int gridSize;
    private final int stride;
    private final Compat compat;

    /** @param ddimGrid N, the DDIM grid size (50 in every official script) */
    public GenLatent(float[] alphasCumprod, int ddimGrid, Compat compat) {
        if (ddimGrid <= 1 || ddimGrid > alphasCumprod.length) {
            throw new IllegalArgumentException("ddimGrid must be in [2, " + alphasCumprod.length + "], got " + ddimGrid);
        }
        this.alphasCumprod = alphasCumprod.clone();
        this.stride = alphasCumprod.length / ddimGrid;
        this.gridSize = (alphasCumprod.length + stride - 1) / stride; // len(range(0, T, c))
        this.compat = compat;
    }

    /** N, the number of grid indices k can take. */
    public int gridSize() {
        return gridSize;
    }

    /** τ_j. */
    public int gridTimestep(int j) {
        return stride * j + 1;
    }

    /** a_j = ᾱ[τ_j], the noise level EAP's x0-projection uses at index k. */
    public float alpha(int j) {
        return alphasCumprod[gridTimestep(j)];
    }

    /** a_prev_j. */
    public float alphaPrev(int j) {
        return j == 0 ? alphasCumprod[0] : alphasCumprod[gridTimestep(j - 1)];
    }

    /** Lower bound (inclusive) of t_ddpm for index k: round(T·k/N) (Python round, half to even). */
    public int ddpmLow(int k) {
        return (int) Math.rint((double) k / gridSize * alphasCumprod.length);
    }

    /** Upper bound (exclusive) of t_ddpm for index k. */
    public int ddpmHigh(int k) {
        return (int) Math.rint((double) (k + 1) / gridSize * alphasCumprod.length);
    }

    /** The timestep the UNets are queried at for index k and drawn t_ddpm (OFFICIAL: t_ddpm; CORRECTED: τ_k). */
    public int queryTimestep(int k, int tDdpm) {
        return compat == Compat.OFFICIAL ? tDdpm : gridTimestep(k);
    }

    /** How many guided noise evaluations {@link #run} makes for index k. */
    public int evaluations(int k) {
        if (compat == Compat.CORRECTED) return gridSize - 1 - k;
        return k <= 1 ? gridSize - 1 : gridSize - k;
    }

    /** The grid indices {@link #run} visits for k, in order. */
    int[] visited(int k) {
        int n = evaluations(k);
        int top = compat == Compat.OFFICIAL ? gridSize - 2 : gridSize - 1;
        int[] js = new int[n];
        for (int i = 0; i < n; i++) js[i] = top - i;
        return js;
    }

    /**
     * Runs the trajectory from {@code noise} (x_T, not scaled) and returns the latent; call with
     * grad mode off. Checks for cancellation before every guided evaluation.
     */
    public NDArray run(GuidedNoise eps, NDArray noise, int k) {
        if (k < 0 || k >= gridSize) throw new IllegalArgumentException("k must be in [0, " + gridSize + "), got " + k);
        NDArray x = noise;
        for (int j : visited(k)) {
            Cancellation.checkIfCancelled();
            NDArray in = x;
            x = Scopes.keepOnly(() -> ddimStep(in, eps.epsilon(in, gridTimestep(j)), alpha(j), alphaPrev(j)));
            if (in != noise) in.close();
        }
        return x;
    }

    /** One η = 0 DDIM step with the CompVis formula, coefficients in float32. */
    static NDArray ddimStep(NDArray x, NDArray e, float a, float aPrev) {
        float sqrtOneMinusA = (float) Math.sqrt(1f - a);
        float sqrtA = (float) Math.sqrt(a);
        NDArray x0 = x.sub(e.mul(sqrtOneMinusA)).div(sqrtA);
        float dir = (float) Math.sqrt(1f - aPrev);
        return x0.mul((float) Math.sqrt(aPrev)).add(e.mul(dir));
    }

    /** EAP's predicted-x0 projection X(z, ε) = (z − √(1−a)·ε)/√a with a = a_k (differentiable in ε). */
    public NDArray predictedX0(NDArray z, NDArray eps, int k) {
        float a = alpha(k);
        return z.sub(eps.mul(Nn.scalar(eps, (float) Math.sqrt(1f - a)))).div(Nn.scalar(eps, (float) Math.sqrt(a)));
    }

    public Compat compat() {
        return compat;
    }
}
