package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;

/**
 * diffusers Transformer2DModel (continuous input): GroupNorm (eps 1e-6) → proj_in (1×1 conv, or a
 * Linear on the tokens for SD-2's use_linear_projection) → BasicTransformerBlocks over the H·W
 * tokens (row-major, channel-last) → proj_out → + input.
 */
public final class Transformer2DModel {
    private static final float NORM_EPS = 1e-6f;
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final int layers;
    private final int groups;
    private final boolean linearProjection;
    private final boolean onlyCrossAttention;
    private final Attention attention;

    public Transformer2DModel(int layers, int heads, int groups, boolean linearProjection,
                              boolean onlyCrossAttention, boolean upcast) {
        this.layers = layers;
        this.groups = groups;
        this.linearProjection = linearProjection;
        this.onlyCrossAttention = onlyCrossAttention;
        this.attention = new Attention(heads, upcast);
    }

    public NDArray forward(Weights w, NDArray x, NDArray context, Capture cap) {
        Shape s = x.getShape();
        long b = s.get(0), h = s.get(2), wd = s.get(3);
        NDArray hidden = cap.put("norm", Nn.groupNorm(w.sub("norm"), x, groups, NORM_EPS));
        if (!linearProjection) hidden = cap.put("proj_in", Nn.conv2d(w.sub("proj_in"), hidden, 1, 0));
        long inner = hidden.getShape().get(1);
        hidden = hidden.transpose(0, 2, 3, 1).reshape(b, h * wd, inner);
        if (linearProjection) {
            hidden = cap.put("proj_in", Nn.linear(w.sub("proj_in"), hidden));
            inner = hidden.getShape().get(2);
        }
        for (int i = 0; i < layers; i++) {
            String name = "transformer_blocks." + i;
            hidden = cap.scoped(name, in -> block(w.sub(name), in[0], in[1], cap.sub(name)), hidden, context);
        }
        if (linearProjection) {
            hidden = cap.put("proj_out", Nn.linear(w.sub("proj_out"), hidden));
            inner = hidden.getShape().get(2);
        }
        hidden = hidden.reshape(b, h, wd, inner).transpose(0, 3, 1, 2);
        if (!linearProjection) hidden = cap.put("proj_out", Nn.conv2d(w.sub("proj_out"), hidden, 1, 0));
        return hidden.add(x);
    }

    /** BasicTransformerBlock: pre-LayerNorm self-attention, cross-attention and GEGLU feed-forward. */
    private NDArray block(Weights w, NDArray x, NDArray context, Capture cap) {
        int slice = cap.saving().attentionSlice();
        NDArray a1 = attention.forward(w.sub("attn1"), Nn.layerNorm(w.sub("norm1"), x, LAYER_NORM_EPS),
                onlyCrossAttention ? context : null, slice);
        x = cap.put("attn1", a1).add(x);
        NDArray a2 = attention.forward(w.sub("attn2"), Nn.layerNorm(w.sub("norm2"), x, LAYER_NORM_EPS), context, slice);
        x = cap.put("attn2", a2).add(x);
        NDArray ff = feedForward(w.sub("ff"), Nn.layerNorm(w.sub("norm3"), x, LAYER_NORM_EPS));
        return cap.put("ff", ff).add(x);
    }

    /** FeedForward with GEGLU: proj → [value | gate] → value·GELU(gate) → net.2. */
    private static NDArray feedForward(Weights w, NDArray x) {
        NDArray proj = Nn.linear(w.sub("net.0.proj"), x);
        long half = proj.getShape().tail() / 2;
        NDArray value = proj.get("..., :" + half);
        NDArray gate = proj.get("..., " + half + ":");
        return Nn.linear(w.sub("net.2"), value.mul(Nn.gelu(gate)));
    }
}
