package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.ResnetBlock2D;
import dev.erasure.sd.nn.Sampling2D;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers DownBlock2D and CrossAttnDownBlock2D (the latter with a Transformer2DModel after each
 * resnet). Every resnet(+attention) output and the downsampler output is pushed on the skip list.
 */
public final class UNetDownBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Transformer2DModel attention;
    private final boolean downsample;
    private final int downsamplePadding;

    /** Block {@code i} of the down path, channels from the config as diffusers computes them. */
    public UNetDownBlock(UNetConfig cfg, int i) {
        int in = i == 0 ? cfg.blockOutChannels[0] : cfg.blockOutChannels[i - 1];
        int out = cfg.blockOutChannels[i];
        for (int j = 0; j < cfg.layersPerBlock[i]; j++) resnets.add(settings(cfg, i).resnet(j == 0 ? in : out, out, 1.0));
        boolean cross = cfg.downBlockTypes.get(i).equals("CrossAttnDownBlock2D");
        this.attention = cross ? settings(cfg, i).transformer(false) : null;
        this.downsample = i < cfg.numBlocks() - 1;
        this.downsamplePadding = cfg.downsamplePadding;
    }

    static BlockSettings settings(UNetConfig cfg, int i) {
        return new BlockSettings(cfg, cfg.transformerLayersPerBlock[i], cfg.numAttentionHeads[i],
                cfg.onlyCrossAttention[i]);
    }

    public NDArray forward(Weights w, NDArray x, NDArray temb, NDArray context, List<NDArray> skips, Capture cap) {
        for (int j = 0; j < resnets.size(); j++) {
            String r = "resnets." + j;
            ResnetBlock2D resnet = resnets.get(j);
            x = cap.scoped(r, in -> resnet.forward(w.sub(r), in[0], in[1]), x, temb);
            if (attention != null) {
                String a = "attentions." + j;
                x = cap.scoped(a, in -> attention.forward(w.sub(a), in[0], in[1], cap.sub(a)), x, context);
            }
            skips.add(x);
        }
        if (downsample) {
            x = cap.put("downsamplers.0", Sampling2D.downsample(w.sub("downsamplers.0"), x, downsamplePadding));
            skips.add(x);
        }
        return cap.out(x);
    }
}
