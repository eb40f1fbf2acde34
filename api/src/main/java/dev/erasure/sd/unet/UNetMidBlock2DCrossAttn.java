package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.ResnetBlock2D;

/** diffusers UNetMidBlock2DCrossAttn: resnets.0, then (attentions.i, resnets.i+1) pairs; one pair in SD. */
public final class UNetMidBlock2DCrossAttn {
    private final ResnetBlock2D resnet;
    private final Transformer2DModel attention;

    public UNetMidBlock2DCrossAttn(UNetConfig cfg) {
        int last = cfg.numBlocks() - 1;
        int c = cfg.blockOutChannels[last];
        BlockSettings s = new BlockSettings(cfg, cfg.transformerLayersPerBlock[last], cfg.numAttentionHeads[last], false);
        this.resnet = s.resnet(c, c, cfg.midBlockScaleFactor);
        this.attention = s.transformer(true);
    }

    public NDArray forward(Weights w, NDArray x, NDArray temb, NDArray context, Capture cap) {
        x = cap.scoped("resnets.0", in -> resnet.forward(w.sub("resnets.0"), in[0], in[1]), x, temb);
        x = cap.scoped("attentions.0", in -> attention.forward(w.sub("attentions.0"), in[0], in[1], cap.sub("attentions.0")),
                x, context);
        x = cap.scoped("resnets.1", in -> resnet.forward(w.sub("resnets.1"), in[0], in[1]), x, temb);
        return cap.out(x);
    }
}
