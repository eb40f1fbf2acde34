package dev.erasure.sd.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

/**
 * The VAE mid-block Attention (diffusers' converted AttentionBlock): group_norm, one head over the
 * H·W tokens with q/k/v/out biases and scale C^−0.5, and a residual connection.
 */
final class VaeAttention {
    private final int groups;

    VaeAttention(int groups) {
        this.groups = groups;
    }

    NDArray forward(Weights w, NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), hw = s.get(2) * s.get(3);
        NDArray tokens = Nn.groupNorm(w.sub("group_norm"), x, groups, VaeBlock.EPS)
                .reshape(b, c, hw).transpose(0, 2, 1);
        NDArray q = Nn.linear(w.sub("to_q"), tokens);
        NDArray k = Nn.linear(w.sub("to_k"), tokens);
        NDArray v = Nn.linear(w.sub("to_v"), tokens);
        // upcast: diffusers sets upcast_softmax here; a no-op in float32, float32 scores in float16
        NDArray o = Nn.linear(w.sub("to_out.0"), Nn.attention(q, k, v, 1, null, true));
        return o.transpose(0, 2, 1).reshape(s).add(x);
    }
}
