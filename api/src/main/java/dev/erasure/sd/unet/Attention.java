package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

/**
 * diffusers Attention as used by the UNet's transformer blocks: to_q/to_k/to_v (no bias), multi-head
 * softmax(QKᵀ/√d)V, then to_out.0 (with bias). Self-attention when {@code context} is null. With a slice
 * size it is diffusers' SlicedAttnProcessor: softmax(QKᵀ/√d)V one batch element and {@code slice} heads at a
 * time, so only that slice's [slice, Lq, Lk] scores exist at once.
 */
public final class Attention {
    private final int heads;
    private final boolean upcast;

    public Attention(int heads, boolean upcast) {
        this.heads = heads;
        this.upcast = upcast;
    }

    /** @param x [B,L,C]; @param context [B,S,D] or null for self-attention; @param slice heads per call (0: all) */
    public NDArray forward(Weights w, NDArray x, NDArray context, int slice) {
        NDArray kv = context == null ? x : context;
        NDArray q = Nn.linear(w.sub("to_q"), x);
        NDArray k = Nn.linear(w.sub("to_k"), kv);
        NDArray v = Nn.linear(w.sub("to_v"), kv);
        if (q.getShape().get(2) % heads != 0) {
            throw new IllegalArgumentException(w.prefix() + ": inner dim " + q.getShape().get(2)
                    + " is not divisible by " + heads + " heads");
        }
        NDArray o = slice <= 0 ? Nn.attention(q, k, v, heads, null, upcast) : sliced(q, k, v, slice);
        return Nn.linear(w.sub("to_out.0"), o);
    }

    /** Heads are contiguous channel groups of q/k/v ([B,L,H·D]), so a slice of heads is a slice of channels. */
    private NDArray sliced(NDArray q, NDArray k, NDArray v, int slice) {
        long batch = q.getShape().get(0);
        long d = q.getShape().get(2) / heads;
        NDList rows = new NDList();
        for (long b = 0; b < batch; b++) {
            NDList groups = new NDList();
            for (int h = 0; h < heads; h += slice) {
                int n = Math.min(slice, heads - h);
                String index = b + ":" + (b + 1) + ", :, " + h * d + ":" + (h + n) * d;
                groups.add(Nn.attention(q.get(index), k.get(index), v.get(index), n, null, upcast));
            }
            rows.add(groups.size() == 1 ? groups.get(0) : NDArrays.concat(groups, 2));
        }
        return rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
    }
}
