package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;

/**
 * diffusers ResnetBlock2D with time_embedding_norm "default": norm1 → act → conv1 (+ time_emb_proj
 * of act(temb), per channel) → norm2 → act → conv2, added to the input (through a 1×1
 * conv_shortcut when the channel count changes), divided by the output scale factor.
 * The VAE uses it without a time embedding.
 */
public final class ResnetBlock2D {
    private final int in;
    private final int out;
    private final int groups;
    private final float eps;
    private final String act;
    private final boolean timeEmbedding;
    private final float outputScale;

    public ResnetBlock2D(int in, int out, int groups, double eps, String act, boolean timeEmbedding,
                         double outputScale) {
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.eps = (float) eps;
        this.act = act;
        this.timeEmbedding = timeEmbedding;
        this.outputScale = (float) outputScale;
    }

    public int outChannels() {
        return out;
    }

    /** @param temb the time embedding [B,T], or null when built without one */
    public NDArray forward(Weights w, NDArray x, NDArray temb) {
        if (x.getShape().get(1) != in) {
            throw new IllegalArgumentException(w.prefix() + ": input has " + x.getShape().get(1)
                    + " channels, expected " + in);
        }
        NDArray h = Nn.groupNorm(w.sub("norm1"), x, groups, eps, act);
        w.get("conv1.weight", new Shape(out, in, 3, 3));
        h = Nn.conv2d(w.sub("conv1"), h, 1, 1);
        if (timeEmbedding) {
            NDArray t = Nn.linear(w.sub("time_emb_proj"), Nn.activation(act, temb));
            h = h.add(t.reshape(t.getShape().get(0), out, 1, 1));
        }
        h = Nn.groupNorm(w.sub("norm2"), h, groups, eps, act);
        h = Nn.conv2d(w.sub("conv2"), h, 1, 1);
        NDArray shortcut = in == out ? x : Nn.conv2d(w.sub("conv_shortcut"), x, 1, 0);
        NDArray y = shortcut.add(h);
        return outputScale == 1f ? y : y.div(Nn.scalar(y, outputScale));
    }
}
