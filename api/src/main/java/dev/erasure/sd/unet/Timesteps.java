package dev.erasure.sd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.Weights;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers Timesteps ("time_proj", sinusoidal) and TimestepEmbedding ("time_embedding").
 * Everything is float32 in the order diffusers computes it: the golden differs by ~1e-5 at
 * t=999 from a float64 evaluation of t·freq, so the order of operations matters.
 */
public final class Timesteps {
    private Timesteps() {
    }

    /**
     * Sinusoidal embedding [B,dim] of timesteps [B]: freq_i = exp(−ln(10000)·i/(half − shift)),
     * output [sin | cos], or [cos | sin] with flipSinToCos; zero-padded when dim is odd.
     */
    public static NDArray sinusoidal(NDArray timesteps, int dim, boolean flipSinToCos, int freqShift) {
        int half = dim / 2;
        NDManager m = timesteps.getManager();
        NDArray exponent = m.arange(0f, (float) half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(10000)).div((float) (half - freqShift));
        NDArray freqs = exponent.exp();
        NDArray t = timesteps.toType(DataType.FLOAT32, false).reshape(-1, 1);
        NDArray arg = t.mul(freqs.reshape(1, half));
        NDArray sin = arg.sin();
        NDArray cos = arg.cos();
        NDArray emb = flipSinToCos ? Nn.cat(-1, cos, sin) : Nn.cat(-1, sin, cos);
        if (dim % 2 == 1) emb = emb.pad(new Shape(0, 1), 0);
        return emb;
    }

    /** TimestepEmbedding: linear_1 → act → linear_2 (→ optional post activation). */
    public static NDArray embedding(Weights w, NDArray tEmb, String act, String postAct) {
        NDArray h = Nn.linear(w.sub("linear_2"), Nn.activation(act, Nn.linear(w.sub("linear_1"), tEmb)));
        return postAct == null ? h : Nn.activation(postAct, h);
    }

    /** Timesteps as [batch]: a scalar or a single value is broadcast to the batch, as diffusers does. */
    public static NDArray toBatch(NDArray timesteps, long batch) {
        long n = timesteps.getShape().size();
        if (timesteps.getShape().dimension() > 1) {
            throw new IllegalArgumentException("timesteps must be a scalar or 1-D, got shape " + timesteps.getShape());
        }
        if (n == batch && timesteps.getShape().dimension() == 1) return timesteps;
        if (n == 1) return timesteps.reshape(1).broadcast(batch);
        throw new IllegalArgumentException("timesteps has " + n + " values but the batch is " + batch);
    }
}
