package dev.erasure.sd.vae;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.VaeConfig;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.ResnetBlock2D;

/** diffusers UNetMidBlock2D as the VAE uses it: resnets.0 → attentions.0 → resnets.1, no time embedding. */
final class UNetMidBlock2D {
    private final ResnetBlock2D resnet;
    private final VaeAttention attention;

    UNetMidBlock2D(VaeConfig cfg) {
        int c = cfg.blockOutChannels[cfg.blockOutChannels.length - 1];
        this.resnet = new ResnetBlock2D(c, c, cfg.normNumGroups, VaeBlock.EPS, cfg.actFn, false, 1.0);
        this.attention = cfg.midBlockAddAttention ? new VaeAttention(cfg.normNumGroups) : null;
    }

    NDArray forward(Weights w, NDArray x, Capture cap) {
        x = cap.scoped("resnets.0", in -> resnet.forward(w.sub("resnets.0"), in[0], null), x);
        if (attention != null) x = cap.scoped("attentions.0", in -> attention.forward(w.sub("attentions.0"), in[0]), x);
        x = cap.scoped("resnets.1", in -> resnet.forward(w.sub("resnets.1"), in[0], null), x);
        return cap.out(x);
    }
}
