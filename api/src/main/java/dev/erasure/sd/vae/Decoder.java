package dev.erasure.sd.vae;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.VaeConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers vae.Decoder: conv_in → UNetMidBlock2D → UpDecoderBlock2D × n (layers_per_block+1
 * resnets, then nearest 2× + conv, except the last block) → conv_norm_out → SiLU → conv_out.
 * Up block 0 works at the deepest level (widest channels).
 */
public final class Decoder {
    private final VaeConfig cfg;
    private final List<VaeBlock> blocks = new ArrayList<>();
    private final UNetMidBlock2D mid;

    public Decoder(VaeConfig cfg) {
        this.cfg = cfg;
        int[] ch = cfg.blockOutChannels;
        int n = ch.length;
        for (int i = 0; i < n; i++) {
            VaeBlock.Sampler s = i < n - 1 ? VaeBlock.Sampler.UP : VaeBlock.Sampler.NONE;
            blocks.add(new VaeBlock(cfg, ch[Math.min(n - i, n - 1)], ch[n - 1 - i], cfg.layersPerBlock + 1, s));
        }
        this.mid = new UNetMidBlock2D(cfg);
    }

    public NDArray forward(Weights w, NDArray z, Capture cap) {
        NDArray x = cap.put("conv_in", Nn.conv2d(w.sub("conv_in"), z, 1, 1));
        x = mid.forward(w.sub("mid_block"), x, cap.sub("mid_block"));
        for (int i = 0; i < blocks.size(); i++) {
            String name = "up_blocks." + i;
            x = blocks.get(i).forward(w.sub(name), x, cap.sub(name));
        }
        return VaeBlock.head(cfg, w, x, cap);
    }
}
