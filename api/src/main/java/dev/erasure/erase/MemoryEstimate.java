package dev.erasure.erase;

import ai.djl.ndarray.types.DataType;
import dev.erasure.train.Adam;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.nn.Kernels;

import java.util.Locale;
import java.util.Map;

/**
 * Peak memory of one erasure step, from shapes alone (float32 or mixed precision, batch 1, methods.md §10):
 * frozen UNet (shared with the original model, counted once) + the trainable copy + its gradient
 * + Adam's two moments + the activations autograd keeps for the backward of the trainable
 * forwards (ESD: 1 sample; EAP model step: 2, z_e and z_r) + the transient peak of a no-grad
 * CFG forward (batch 2; with composite kernels dominated by the largest self-attention score matrix).
 *
 * <p>Activation model, per element count, at each level with C channels and L = H·W tokens:
 * a resnet keeps ≈ 8·C·L (two GroupNorms with their inputs, two SiLUs, two convs, the sum);
 * a transformer keeps ≈ 40·C·L (norms, projections, q/k/v, GEGLU's 8C and 4C intermediates)
 * plus 2·heads·L² (self-attention scores and probabilities; composite kernels only, the fused
 * attention keeps 2·heads·L) and 2·heads·L·77 (cross-attention),
 * times the level's transformer depth (transformer_layers_per_block: SDXL's 1, 2, 10);
 * up-block resnets also keep their concatenated input. This is an estimate (±30 %): it ignores
 * allocator slack and counts every saved tensor once; it does not assume attention slicing.
 */
public record MemoryEstimate(long frozenBytes, long trainableBytes, long gradientBytes, long adamBytes,
                             long activationBytes, long transientBytes, long trainableParams, long totalParams) {
    private static final long F32 = 4;

    /** Total bytes at the peak of one step. */
    public long peakBytes() {
        return frozenBytes + trainableBytes + gradientBytes + adamBytes + activationBytes + transientBytes;
    }

    public static MemoryEstimate of(UNetConfig cfg, Params params, Preserve preserve, int latentSize) {
        return of(cfg, params, preserve, latentSize, DataType.FLOAT32);
    }

    /** The estimate in {@code dtype} with the configured kernels ({@link Kernels#current()}, fused by default). */
    public static MemoryEstimate of(UNetConfig cfg, Params params, Preserve preserve, int latentSize, DataType dtype) {
        return of(cfg, params, preserve, latentSize, dtype, Kernels.current());
    }

    /**
     * The estimate for a model loaded in {@code dtype}. FLOAT16 is mixed precision as the engine runs it
     * ({@code TrainableWeights}): the frozen UNet, the activations and the transient in fp16; the trained
     * subset as fp32 masters with fp32 gradients and Adam moments, plus, during the backward, the fp16
     * gradient of each master's fp16 cast.
     */
    public static MemoryEstimate of(UNetConfig cfg, Params params, Preserve preserve, int latentSize, DataType dtype,
                                    Kernels kernels) {
        boolean fused = kernels == Kernels.FUSED;
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) throw new IllegalArgumentException("dtype must be FLOAT32 or FLOAT16, got " + dtype);
        long bytes = dtype == DataType.FLOAT16 ? 2 : F32; // per element of the model's own tensors
        Map<String, long[]> shapes = UNetShapes.of(cfg);
        long total = 0;
        long train = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = UNetShapes.size(e.getValue());
            total += n;
            if (params.test(e.getKey())) train += n;
        }
        // trainable forwards kept for one backward: ESD 1; ESD+preserve, EAP (z_e and z_r), PGD 2
        int samples = preserve instanceof Preserve.None ? 1 : 2;
        long act = samples * activations(cfg, latentSize, fused) * bytes;
        long trans = transient2(cfg, latentSize, fused) * bytes;
        long grads = train * F32 + (bytes == F32 ? 0 : train * bytes);
        return new MemoryEstimate(total * bytes, train * F32, grads, 2 * train * F32, act, trans, train, total);
    }

    /** Elements autograd keeps for one batch-1 forward. */
    static long activations(UNetConfig c, int latent, boolean fused) {
        int[] ch = c.blockOutChannels;
        int n = ch.length;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long l = (long) (latent >> i) * (latent >> i);
            boolean attn = c.downBlockTypes.get(i).startsWith("CrossAttn");
            long heads = c.numAttentionHeads[i];
            for (int j = 0; j < c.layersPerBlock[i]; j++) {
                sum += 8L * ch[i] * l;
                if (attn) sum += c.transformerLayersPerBlock[i] * transformer(ch[i], l, heads, fused);
            }
            int out = ch[n - 1 - i];
            long lu = (long) (latent >> (n - 1 - i)) * (latent >> (n - 1 - i));
            boolean upAttn = c.upBlockTypes.get(i).startsWith("CrossAttn");
            for (int j = 0; j <= c.layersPerBlock[n - 1 - i]; j++) {
                sum += 8L * out * lu + 2L * out * lu; // resnet + its concatenated input
                if (upAttn) sum += c.transformerLayersPerBlock[n - 1 - i] * transformer(out, lu, c.numAttentionHeads[n - 1 - i], fused);
            }
            sum += 2L * out * lu; // upsample + conv
        }
        long lm = (long) (latent >> (n - 1)) * (latent >> (n - 1));
        sum += 16L * ch[n - 1] * lm + c.transformerLayersPerBlock[n - 1] * transformer(ch[n - 1], lm, c.numAttentionHeads[n - 1], fused);
        return sum;
    }

    /**
     * Composite attention keeps the self-attention scores and probabilities (2·heads·L²); the fused one
     * (torch's scaled_dot_product_attention: flash / memory-efficient) keeps its output and one
     * log-sum-exp per query and head, and recomputes the scores in its backward.
     */
    private static long transformer(long c, long l, long heads, boolean fused) {
        long selfScores = fused ? 2L * heads * l : 2L * heads * l * l;
        return 40L * c * l + selfScores + 2L * heads * l * 77;
    }

    /**
     * Largest transient of a no-grad batch-2 forward: scores + probabilities of the top
     * self-attention, at the first level that has one (SDXL's level 0 has none).
     */
    static long transient2(UNetConfig c, int latent, boolean fused) {
        int top = 0;
        while (top < c.downBlockTypes.size() - 1 && !c.downBlockTypes.get(top).startsWith("CrossAttn")) top++;
        long la = (long) (latent >> top) * (latent >> top);
        long l = (long) latent * latent;
        long scores = fused ? 0 : 2L * 2L * c.numAttentionHeads[top] * la * la;
        return scores + 2L * 8L * c.blockOutChannels[0] * l;
    }

    private static String gib(long b) {
        return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }

    @Override
    public String toString() {
        return "trainable " + String.format(Locale.ROOT, "%,d", trainableParams) + " of " + String.format(Locale.ROOT, "%,d", totalParams)
                + " params; frozen " + gib(frozenBytes) + ", trainable copy " + gib(trainableBytes) + ", grads " + gib(gradientBytes)
                + ", Adam " + gib(adamBytes) + ", activations " + gib(activationBytes) + ", transient " + gib(transientBytes)
                + " → peak ≈ " + gib(peakBytes());
    }
}
