package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Generation;
import dev.erasure.sd.Images;
import dev.erasure.sd.Sampler;
import dev.erasure.sd.StableDiffusion;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The images of one request for consecutive seeds, denoised as one batch: image i equals
 * {@code sd.generate(g.seed(g.seed() + i))} up to float rounding, at a fraction of the cost for
 * small models (one UNet call per step for the whole batch). Sensitivity draws its shared-seed
 * images this way.
 */
public final class SensitivityImages {
    private SensitivityImages() {
    }

    /** {@code n} images of {@code g} with seeds g.seed(), g.seed()+1, …, g.seed()+n−1. */
    public static List<BufferedImage> generate(StableDiffusion sd, Generation g, int n) {
        if (n <= 0) throw new IllegalArgumentException("number of images must be ≥ 1, got " + n);
        int h = g.height() == 0 ? sd.defaultImageSize() : g.height();
        int w = g.width() == 0 ? sd.defaultImageSize() : g.width();
        try (NDScope scope = new NDScope()) {
            NDList latents = new NDList(n);
            for (int i = 0; i < n; i++) latents.add(sd.initialLatent(g.seed() + i, h, w));
            NDArray cond = sd.encodePrompts(Collections.nCopies(n, g.prompt()));
            NDArray uncond = g.guidance() == 1f ? null : sd.encodePrompts(Collections.nCopies(n, g.negativePrompt()));
            NDArray x = Sampler.denoise(sd.unet(), sd.scheduler(), NDArrays.concat(latents, 0), cond, uncond,
                    g.samplingSteps(), g.guidance(), ProgressListener.NONE, null);
            NDArray images = sd.decode(x);
            List<BufferedImage> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(Images.toImage(images.get(i)));
            return out;
        }
    }
}
