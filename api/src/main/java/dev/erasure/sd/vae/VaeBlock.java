package dev.erasure.sd.vae;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.VaeConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.nn.ResnetBlock2D;
import dev.erasure.sd.nn.Sampling2D;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers DownEncoderBlock2D (resnets, then "downsamplers.0") and UpDecoderBlock2D (resnets,
 * then "upsamplers.0"): resnets without time embedding, GroupNorm eps 1e-6 as everywhere in the VAE.
 */
final class VaeBlock {
    /** Every GroupNorm in the VAE uses eps 1e-6 (the UNet uses 1e-5 in its resnets). */
    static final float EPS = 1e-6f;

    enum Sampler { NONE, DOWN, UP }

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Sampler sampler;

    VaeBlock(VaeConfig cfg, int in, int out, int layers, Sampler sampler) {
        for (int j = 0; j < layers; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, cfg.normNumGroups, EPS, cfg.actFn, false, 1.0));
        }
        this.sampler = sampler;
    }

    NDArray forward(Weights w, NDArray x, Capture cap) {
        for (int j = 0; j < resnets.size(); j++) {
            String r = "resnets." + j;
            ResnetBlock2D resnet = resnets.get(j);
            x = cap.scoped(r, in -> resnet.forward(w.sub(r), in[0], null), x);
        }
        if (sampler == Sampler.DOWN) {
            // padding 0: diffusers pads right/bottom only, then a stride-2 conv
            x = cap.put("downsamplers.0", Sampling2D.downsample(w.sub("downsamplers.0"), x, 0));
        } else if (sampler == Sampler.UP) {
            x = cap.put("upsamplers.0", Sampling2D.upsample(w.sub("upsamplers.0"), x, null));
        }
        return cap.out(x);
    }

    /** The shared tail of encoder and decoder: conv_norm_out → SiLU (hard-coded in diffusers) → conv_out. */
    static NDArray head(VaeConfig cfg, Weights w, NDArray x, Capture cap) {
        x = cap.put("conv_norm_out", Nn.groupNorm(w.sub("conv_norm_out"), x, cfg.normNumGroups, EPS));
        return cap.put("conv_out", Nn.conv2d(w.sub("conv_out"), Nn.silu(x), 1, 1));
    }
}
