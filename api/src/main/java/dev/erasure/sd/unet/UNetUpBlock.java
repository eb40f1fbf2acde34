package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.nn.ResnetBlock2D;
import dev.erasure.sd.nn.Sampling2D;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers UpBlock2D and CrossAttnUpBlock2D: layers_per_block+1 resnets, each taking
 * cat([hidden, skips.pop()]) along channels (in that order), with a Transformer2DModel after each
 * resnet in the cross-attention variant; all but the last block end in an upsampler.
 */
public final class UNetUpBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Transformer2DModel attention;
    private final boolean upsample;

    /** Block {@code i} of the up path (i = 0 is the deepest), channels as diffusers computes them. */
    public UNetUpBlock(UNetConfig cfg, int i) {
        int n = cfg.numBlocks();
        int rev = n - 1 - i; // the down block this one mirrors
        int prevOut = cfg.blockOutChannels[Math.min(rev + 1, n - 1)];
        int out = cfg.blockOutChannels[rev];
        int in = cfg.blockOutChannels[Math.max(rev - 1, 0)];
        int layers = cfg.layersPerBlock[rev] + 1;
        BlockSettings s = UNetDownBlock.settings(cfg, rev);
        for (int j = 0; j < layers; j++) {
            int skip = j == layers - 1 ? in : out;
            resnets.add(s.resnet((j == 0 ? prevOut : out) + skip, out, 1.0));
        }
        this.attention = cfg.upBlockTypes.get(i).equals("CrossAttnUpBlock2D") ? s.transformer(false) : null;
        this.upsample = i < n - 1;
    }

    public int numResnets() {
        return resnets.size();
    }

    public NDArray forward(Weights w, NDArray x, NDArray temb, NDArray context, List<NDArray> skips, Capture cap) {
        for (int j = 0; j < resnets.size(); j++) {
            NDArray skip = skips.remove(skips.size() - 1);
            String r = "resnets." + j;
            ResnetBlock2D resnet = resnets.get(j);
            x = cap.scoped(r, in -> resnet.forward(w.sub(r), Nn.cat(1, in[0], in[1]), in[2]), x, skip, temb);
            if (attention != null) {
                String a = "attentions." + j;
                x = cap.scoped(a, in -> attention.forward(w.sub(a), in[0], in[1], cap.sub(a)), x, context);
            }
        }
        if (upsample) {
            // the next block's skips fix the size, which differs from 2× for odd resolutions
            long[] size = skips.isEmpty() ? null : targetSize(x, skips.get(skips.size() - 1));
            x = cap.put("upsamplers.0", Sampling2D.upsample(w.sub("upsamplers.0"), x, size));
        }
        return cap.out(x);
    }

    private static long[] targetSize(NDArray x, NDArray skip) {
        long h = skip.getShape().get(2), wd = skip.getShape().get(3);
        return h == 2 * x.getShape().get(2) && wd == 2 * x.getShape().get(3) ? null : new long[] {h, wd};
    }
}
