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
 * diffusers vae.Decoder: conv_in → UNetMidBlock2D → UpDecoderBlock2D × n (layers_per_block+1
 * resnets, then nearest 2× + conv, except the last block) → conv_norm_out → SiLU → conv_out.
 * Up block 0 works at the deepest level (widest channels).
 */
public final class Decoder {
    private final VaeConfig cfg;
    private final List<List<ResnetBlock2D>> blocks = new ArrayList<>();
    private final UNetMidBlock2D mid;

    public Decoder(VaeConfig cfg) {
        this.cfg = cfg;
        int[] ch = cfg.blockOutChannels;
        int n = ch.length;
        int out = ch[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = ch[n - 1 - i];
            List<ResnetBlock2D> resnets = new ArrayList<>();
            for (int j = 0; j < cfg.layersPerBlock + 1; j++) {
                resnets.add(new ResnetBlock2D(j == 0 ? prev : out, out, cfg.normNumGroups, Encoder.EPS, cfg.actFn,
                        false, 1.0));
            }
            blocks.add(resnets);
        }
        this.mid = new UNetMidBlock2D(cfg);
    }

    public NDArray forward(Weights w, NDArray z, Capture cap) {
        NDArray x = cap.put("conv_in", Nn.conv2d(w.sub("conv_in"), z, 1, 1));
        x = mid.forward(w.sub("mid_block"), x, cap.sub("mid_block"));
        for (int i = 0; i < blocks.size(); i++) {
            String name = "up_blocks." + i;
            Weights bw = w.sub(name);
            Capture bc = cap.sub(name);
            List<ResnetBlock2D> resnets = blocks.get(i);
            for (int j = 0; j < resnets.size(); j++) {
                x = bc.put("resnets." + j, resnets.get(j).forward(bw.sub("resnets." + j), x, null));
            }
            if (i < blocks.size() - 1) x = bc.put("upsamplers.0", Sampling2D.upsample(bw.sub("upsamplers.0"), x, null));
            bc.out(x);
        }
        x = cap.put("conv_norm_out", Nn.groupNorm(w.sub("conv_norm_out"), x, cfg.normNumGroups, Encoder.EPS));
        return cap.put("conv_out", Nn.conv2d(w.sub("conv_out"), Nn.silu(x), 1, 1));
    }
}
