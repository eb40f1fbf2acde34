package dev.erasure.sd.nn;

import dev.erasure.io.Records;

/**
 * How a UNet forward trades compute for memory (diffusers' {@code unet.enable_gradient_checkpointing()} and
 * {@code enable_attention_slicing(slice_size)}); results are the same within float rounding either way
 * (UNetGradientTest: outputs and gradients against the goldens on every option; MemorySavingErasureTest: an
 * erasure's gradients).
 *
 * @param gradientCheckpointing under a gradient collector, every resnet and transformer block keeps only its
 *                              output and is run again during the backward ({@link Checkpointing}): autograd
 *                              then holds one block's activations at a time instead of the whole forward's,
 *                              for about one more forward of compute. Off (and free) outside training.
 * @param attentionSlice        heads per attention call (0 = all at once): attention runs over slices of
 *                              (batch, heads) so a no-grad forward holds one slice's scores at a time; under
 *                              training autograd keeps every slice's anyway, so it lowers only the transient
 *                              peak of the no-grad sampling (and, with checkpointing, of each block's recompute)
 */
public record MemorySaving(boolean gradientCheckpointing, int attentionSlice) {
    /** Neither: the fastest forward, what the official code runs. */
    public static final MemorySaving NONE = new MemorySaving(false, 0);

    public MemorySaving {
        if (attentionSlice < 0) throw new IllegalArgumentException("attentionSlice must be ≥ 0 (0 = no slicing), got " + attentionSlice);
    }

    public MemorySaving withGradientCheckpointing(boolean on) {
        return Records.with(this, "gradientCheckpointing", on);
    }

    public MemorySaving withAttentionSlice(int headsPerCall) {
        return Records.with(this, "attentionSlice", headsPerCall);
    }
}
