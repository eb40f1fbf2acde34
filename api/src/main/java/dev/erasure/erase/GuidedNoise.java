package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.nn.Nn;

/** Noise prediction with classifier-free guidance, the only thing {@link GenLatent} needs. */
@FunctionalInterface
public interface GuidedNoise {
    NDArray epsilon(NDArray latent, int timestep);

    /**
     * ε̂ = ε(x,t,c∅) + s·(ε(x,t,c) − ε(x,t,c∅)), evaluated as one batch [uncond, cond] like the
     * CompVis sampler does.
     */
    static GuidedNoise cfg(NoisePredictor unet, Conditioning cond, Conditioning uncond, float scale) {
        Conditioning batch = Conditioning.concat(uncond, cond);
        return (x, t) -> {
            NDArray out = unet.predict(Nn.cat(0, x, x), t, batch);
            NDList parts = out.split(2, 0);
            NDArray u = parts.get(0);
            return u.add(parts.get(1).sub(u).mul(scale));
        };
    }
}
