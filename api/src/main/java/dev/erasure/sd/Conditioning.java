package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * What a UNet is conditioned on besides the timestep. SD-1.x/2.x: the prompt embeddings [B,77,D]
 * only ({@code pooled} and {@code timeIds} null). SDXL: also the pooled embedding of text encoder 2
 * [B,P] and the micro-conditioning time ids [B,6] ({@link SizeConditioning}), which the UNet's
 * "text_time" added embedding consumes.
 */
public record Conditioning(NDArray promptEmbeds, NDArray pooled, NDArray timeIds) {
    public Conditioning {
        if (promptEmbeds == null) throw new IllegalArgumentException("prompt embeddings must not be null");
        if ((pooled == null) != (timeIds == null)) {
            throw new IllegalArgumentException("SDXL conditioning needs both pooled embeddings and time ids");
        }
    }

    /** SD-1.x/2.x conditioning: prompt embeddings only. */
    public static Conditioning of(NDArray promptEmbeds) {
        return new Conditioning(promptEmbeds, null, null);
    }

    public boolean hasTextTime() {
        return pooled != null;
    }

    public long batch() {
        return promptEmbeds.getShape().get(0);
    }

    /** The same conditioning with other time ids (e.g. another image size). */
    public Conditioning withTimeIds(NDArray ids) {
        return new Conditioning(promptEmbeds, pooled, ids);
    }

    /** Batch concatenation [a; b], as the CFG batch [negative, positive] is built. */
    public static Conditioning concat(Conditioning a, Conditioning b) {
        return new Conditioning(NDArrays.concat(new NDList(a.promptEmbeds, b.promptEmbeds), 0),
                a.pooled == null ? null : NDArrays.concat(new NDList(a.pooled, b.pooled), 0),
                a.timeIds == null ? null : NDArrays.concat(new NDList(a.timeIds, b.timeIds), 0));
    }

    /** Zeros of the same shapes (SDXL's negative conditioning with force_zeros_for_empty_prompt), same time ids. */
    public Conditioning zeros() {
        return new Conditioning(promptEmbeds.zerosLike(), pooled == null ? null : pooled.zerosLike(), timeIds);
    }
}
