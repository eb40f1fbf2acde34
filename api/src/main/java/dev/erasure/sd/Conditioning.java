package dev.erasure.sd;

import dev.erasure.io.Records;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.nn.Nn;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.function.Function;
import java.util.function.UnaryOperator;

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

    /** The same conditioning with other prompt embeddings (e.g. an adversarially perturbed copy). */
    public Conditioning withPromptEmbeds(NDArray embeds) {
        return Records.with(this, "promptEmbeds", embeds);
    }

    /** The same conditioning with other time ids (e.g. another image size). */
    public Conditioning withTimeIds(NDArray ids) {
        return Records.with(this, "timeIds", ids);
    }

    /** Batch concatenation [a; b; ...], as the CFG batch [negative, positive] is built. */
    public static Conditioning concat(Conditioning... parts) {
        return new Conditioning(cat(parts, Conditioning::promptEmbeds), cat(parts, Conditioning::pooled),
                cat(parts, Conditioning::timeIds));
    }

    private static NDArray cat(Conditioning[] parts, Function<Conditioning, NDArray> part) {
        if (part.apply(parts[0]) == null) return null;
        NDList list = new NDList();
        for (Conditioning c : parts) list.add(part.apply(c));
        return NDArrays.concat(list, 0);
    }

    /** Batch rows [from, to) of every part. */
    public Conditioning rows(long from, long to) {
        String r = from + ":" + to;
        return new Conditioning(promptEmbeds.get(r), pooled == null ? null : pooled.get(r),
                timeIds == null ? null : timeIds.get(r));
    }

    /**
     * A mixture of the batch's prompts, {@code weights} [1,B]: the weighted sum of the prompt
     * embeddings and of the pooled embeddings (one weight per prompt for both, so a mixture of
     * prompts stays one prompt's conditioning); time ids are those of row 0 (they describe the
     * image size, the same for every row of a prompt batch). Differentiable in the weights. The sum
     * runs in fp32 and comes back in the embeddings' type (fp32 weights over an fp16 model's embeddings).
     */
    public Conditioning mix(NDArray weights) {
        long b = batch();
        Shape one = new Shape(1).addAll(promptEmbeds.getShape().slice(1));
        NDArray embeds = mixed(weights, promptEmbeds.reshape(b, -1)).reshape(one);
        return new Conditioning(embeds, pooled == null ? null : mixed(weights, pooled),
                timeIds == null ? null : timeIds.get("0:1"));
    }

    private static NDArray mixed(NDArray weights, NDArray rows) {
        return Nn.cast(Nn.cast(weights, DataType.FLOAT32).matMul(Nn.cast(rows, DataType.FLOAT32)), rows.getDataType());
    }

    /** Each part with {@code f} applied (e.g. a dtype cast or moving out of a scope), null parts kept null. */
    public Conditioning map(UnaryOperator<NDArray> f) {
        return new Conditioning(f.apply(promptEmbeds), pooled == null ? null : f.apply(pooled),
                timeIds == null ? null : f.apply(timeIds));
    }

    /** Zeros of the same shapes (SDXL's negative conditioning with force_zeros_for_empty_prompt), same time ids. */
    public Conditioning zeros() {
        return new Conditioning(promptEmbeds.zerosLike(), pooled == null ? null : pooled.zerosLike(), timeIds);
    }
}
