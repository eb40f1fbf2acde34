package dev.erasure.sd.vae;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.VaeConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers vae.Encoder: conv_in → DownEncoderBlock2D × n (the last without downsampler) →
 * UNetMidBlock2D → conv_norm_out → SiLU → conv_out (2·latent channels: mean and logvar).
 */
public final class Encoder {
    private final VaeConfig cfg;
    private final List<VaeBlock> blocks = new ArrayList<>();
    private final UNetMidBlock2D mid;

    public Encoder(VaeConfig cfg) {
        this.cfg = cfg;
        int[] ch = cfg.blockOutChannels;
        for (int i = 0; i < ch.length; i++) {
            VaeBlock.Sampler s = i < ch.length - 1 ? VaeBlock.Sampler.DOWN : VaeBlock.Sampler.NONE;
            blocks.add(new VaeBlock(cfg, i == 0 ? ch[0] : ch[i - 1], ch[i], cfg.layersPerBlock, s));
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
            x = blocks.get(i).forward(w.sub(name), x, cap.sub(name));
        }
        x = mid.forward(w.sub("mid_block"), x, cap.sub("mid_block"));
        return VaeBlock.head(cfg, w, x, cap);
    }
}
