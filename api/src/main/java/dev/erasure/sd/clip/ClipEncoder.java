package dev.erasure.sd.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;
import dev.erasure.sd.nn.Nn;

import java.util.List;

/**
 * transformers' CLIPEncoder: a stack of pre-LayerNorm transformer layers under the weight view
 * {@code encoder} ({@code layers.{i}.layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2,
 * mlp.fc1/fc2}). Shared by the text model (causal mask) and a vision model (no mask); the final
 * or post LayerNorm belongs to the caller because the two models place it differently.
 */
public final class ClipEncoder {
    private final int layers;
    private final int heads;
    private final String activation;
    private final float eps;

    public ClipEncoder(int layers, int heads, String activation, float eps) {
        this.layers = layers;
        this.heads = heads;
        this.activation = activation;
        this.eps = eps;
    }

    /**
     * Runs all layers on {@code x} [B,L,D]. {@code mask} (added to attention scores, broadcastable
     * to [B,H,L,L]) may be null. When {@code hiddenStates} is given, each layer's output is appended.
     */
    public NDArray forward(Weights encoder, NDArray x, NDArray mask, List<NDArray> hiddenStates) {
        for (int i = 0; i < layers; i++) {
            x = layer(encoder.sub("layers." + i), x, mask);
            if (hiddenStates != null) hiddenStates.add(x);
        }
        return x;
    }

    /** One CLIPEncoderLayer: x += out_proj(attn(ln1(x))); x += fc2(act(fc1(ln2(x)))). */
    public NDArray layer(Weights w, NDArray x, NDArray mask) {
        NDArray h = Nn.layerNorm(w.sub("layer_norm1"), x, eps);
        Weights attn = w.sub("self_attn");
        NDArray q = Nn.linear(attn.sub("q_proj"), h);
        NDArray k = Nn.linear(attn.sub("k_proj"), h);
        NDArray v = Nn.linear(attn.sub("v_proj"), h);
        // Nn.attention applies the head_dim^-0.5 scale to the scores; transformers scales q first,
        // which differs only in float rounding.
        NDArray a = Nn.attention(q, k, v, heads, mask, false);
        x = x.add(Nn.linear(attn.sub("out_proj"), a));
        Weights mlp = w.sub("mlp");
        h = Nn.layerNorm(w.sub("layer_norm2"), x, eps);
        h = Nn.linear(mlp.sub("fc2"), Nn.activation(activation, Nn.linear(mlp.sub("fc1"), h)));
        return x.add(h);
    }

    /**
     * The causal mask [1,1,L,L]: 0 where key j ≤ query i, else the dtype's most negative finite
     * value (transformers uses finfo.min, not −inf, so a fully masked row cannot become NaN).
     * Built with a comparison because DJL has no triu.
     */
    public static NDArray causalMask(NDManager manager, int length, DataType dtype) {
        float min = dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
        NDArray idx = manager.arange(length);
        NDArray future = idx.expandDims(0).gt(idx.expandDims(1));
        NDArray mask = NDArrays.where(future, manager.full(new Shape(length, length), min, dtype),
                manager.zeros(new Shape(length, length), dtype));
        return mask.reshape(1, 1, length, length);
    }
}
