package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

/**
 * diffusers Attention as used by the UNet's transformer blocks: to_q/to_k/to_v (no bias), multi-head
 * softmax(QKᵀ/√d)V, then to_out.0 (with bias). Self-attention when {@code context} is null.
 */
public final class Attention {
    private final int heads;
    private final boolean upcast;

    public Attention(int heads, boolean upcast) {
        this.heads = heads;
        this.upcast = upcast;
    }

    /** @param x [B,L,C]; @param context [B,S,D] or null for self-attention */
    public NDArray forward(Weights w, NDArray x, NDArray context) {
        NDArray kv = context == null ? x : context;
        NDArray q = Nn.linear(w.sub("to_q"), x);
        NDArray k = Nn.linear(w.sub("to_k"), kv);
        NDArray v = Nn.linear(w.sub("to_v"), kv);
        if (q.getShape().get(2) % heads != 0) {
            throw new IllegalArgumentException(w.prefix() + ": inner dim " + q.getShape().get(2)
                    + " is not divisible by " + heads + " heads");
        }
        return Nn.linear(w.sub("to_out.0"), Nn.attention(q, k, v, heads, null, upcast));
    }
}
