package dev.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.nn.Nn;
import java.util.Arrays;

/**
 * Soft-prompt layouts in the CLIP token-embedding space (before position embeddings), shared by
 * AdvUnlearn's attack (methods.md §5.2, {@code prefix_k}) and UnlearnDiffAtk (§7.6).
 */
public final class SoftPrompt {
    private SoftPrompt() {
    }

    /**
     * {@code prefix_k}: [SOT, adv_1..adv_k, token_1 .. token_{L−1−k}] — the k vectors go right
     * after the start token and the last k positions (pads for short prompts) are dropped, so the
     * length stays L. Differentiable in both inputs.
     *
     * @param tokenEmbeddings [B,L,D] embeddings of the padded prompt ids
     * @param adversarial     [k,D] (shared by the batch) or [B,k,D]
     */
    public static NDArray prefix(NDArray tokenEmbeddings, NDArray adversarial) {
        Shape s = tokenEmbeddings.getShape();
        long b = s.get(0);
        long len = s.get(1);
        NDArray adv = adversarial.getShape().dimension() == 2 ? adversarial.expandDims(0) : adversarial;
        long k = adv.getShape().get(1);
        if (adv.getShape().get(2) != s.get(2)) {
            throw new IllegalArgumentException("adversarial vectors have width " + adv.getShape().get(2)
                    + ", the token embeddings " + s.get(2));
        }
        if (k < 1 || k > len - 2) throw new IllegalArgumentException("k must be in [1, " + (len - 2) + "], got " + k);
        if (adv.getShape().get(0) != b) {
            NDArray[] copies = new NDArray[(int) b];
            Arrays.fill(copies, adv);
            adv = Nn.cat(0, copies);
        }
        return Nn.cat(1, tokenEmbeddings.get(new NDIndex(":, :1")), adv,
                tokenEmbeddings.get(new NDIndex(":, 1:{}", len - k)));
    }
}
