package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.nn.Nn;
import dev.erasure.testing.Fixtures;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A stand-in for the tiny SD model while the real UNet is not merged: the fixture's real UNet
 * weights (all 684 keys, so the §0.3 filters act on real names) driving a tiny ε-network that
 * reads conv_in, one attn2.to_k and conv_out; text states are seeded random vectors per word.
 */
public final class FakeModel implements ErasureModel {
    static final String TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
    private final NDManager manager;
    private final Weights unet;
    private final float[] alphas;

    public FakeModel(NDManager manager) {
        this.manager = manager;
        this.unet = new Weights(Safetensors.load(Fixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors"), manager),
                "tiny-sd unet");
        this.alphas = scaledLinearAlphas();
    }

    /** SD's scaled-linear ᾱ in float32. */
    public static float[] scaledLinearAlphas() {
        float[] a = new float[1000];
        double lo = Math.sqrt(0.00085);
        double hi = Math.sqrt(0.012);
        float prod = 1f;
        for (int t = 0; t < 1000; t++) {
            float b = (float) (lo + (hi - lo) * t / 999.0);
            b = b * b;
            prod *= (1f - b);
            a[t] = prod;
        }
        return a;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Weights unetWeights() {
        return unet;
    }

    @Override
    public NoisePredictor unet(Weights w) {
        return (x, t, c) -> {
            NDArray h = Nn.conv2d(w.sub("conv_in"), x, 1, 1);
            NDArray ctx = c.mean(new int[] {1}).matMul(w.get(TO_K).transpose());
            h = h.add(ctx.reshape(ctx.getShape().get(0), ctx.getShape().get(1), 1, 1)).add(t / 1000f);
            return Nn.conv2d(w.sub("conv_out"), Nn.silu(h), 1, 1);
        };
    }

    @Override
    public NDArray encode(List<String> prompts) {
        float[] data = new float[prompts.size() * 77 * 32];
        for (int i = 0; i < prompts.size(); i++) {
            SplittableRandom r = new SplittableRandom(prompts.get(i).toLowerCase().hashCode());
            for (int j = 0; j < 77 * 32; j++) data[i * 77 * 32 + j] = (float) (r.nextDouble() * 2 - 1);
        }
        return manager.create(data, new Shape(prompts.size(), 77, 32));
    }

    @Override
    public float[] alphasCumprod() {
        return alphas.clone();
    }

    @Override
    public int latentChannels() {
        return 4;
    }
}
