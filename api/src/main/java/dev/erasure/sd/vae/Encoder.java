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
 * diffusers vae.Encoder: conv_in → DownEncoderBlock2D × n (resnets, then a downsampler that pads
 * right/bottom only, except the last block) → UNetMidBlock2D → conv_norm_out → SiLU → conv_out
 * (2·latent channels: mean and logvar).
 */
public final class Encoder {
    /** Every GroupNorm in the VAE uses eps 1e-6 (the UNet uses 1e-5 in its resnets). */
    static final float EPS = 1e-6f;

    private final VaeConfig cfg;
    private final List<List<ResnetBlock2D>> blocks = new ArrayList<>();
    private final UNetMidBlock2D mid;

    public Encoder(VaeConfig cfg) {
        this.cfg = cfg;
        int[] ch = cfg.blockOutChannels;
        for (int i = 0; i < ch.length; i++) {
            List<ResnetBlock2D> resnets = new ArrayList<>();
            int in = i == 0 ? ch[0] : ch[i - 1];
            for (int j = 0; j < cfg.layersPerBlock; j++) {
                resnets.add(new ResnetBlock2D(j == 0 ? in : ch[i], ch[i], cfg.normNumGroups, EPS, cfg.actFn, false, 1.0));
            }
            blocks.add(resnets);
        }
        this.mid = new UNetMidBlock2D(cfg);
    }

    public NDArray forward(Weights w, NDArray image, Capture cap) {
        if (image.getShape().dimension() != 4 || image.getShape().get(1) != cfg.inChannels) {
            throw new IllegalArgumentException("image must be [B," + cfg.inChannels + ",H,W], got " + image.getShape());
        }
        NDArray x = cap.put("conv_in", Nn.conv2d(w.sub("conv_in"), image, 1, 1));
        for (int i = 0; i < blocks.size(); i++) {
            String name = "down_blocks." + i;
            Weights bw = w.sub(name);
            Capture bc = cap.sub(name);
            List<ResnetBlock2D> resnets = blocks.get(i);
            for (int j = 0; j < resnets.size(); j++) {
                x = bc.put("resnets." + j, resnets.get(j).forward(bw.sub("resnets." + j), x, null));
            }
            if (i < blocks.size() - 1) x = bc.put("downsamplers.0", Sampling2D.downsample(bw.sub("downsamplers.0"), x, 0));
            bc.out(x);
        }
        x = mid.forward(w.sub("mid_block"), x, cap.sub("mid_block"));
        x = cap.put("conv_norm_out", Nn.groupNorm(w.sub("conv_norm_out"), x, cfg.normNumGroups, EPS));
        // diffusers hard-codes nn.SiLU here, independent of act_fn
        return cap.put("conv_out", Nn.conv2d(w.sub("conv_out"), Nn.silu(x), 1, 1));
    }
}
