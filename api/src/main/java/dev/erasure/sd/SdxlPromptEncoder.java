package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.nn.Nn;

import java.util.List;

/**
 * StableDiffusionXLPipeline.encode_prompt: each prompt goes through both tokenizers (each with its
 * own pad id: SDXL's tokenizer_2 pads with "!") and both text encoders; the prompt embeddings are
 * {@code cat(te1.hidden_states[-2], te2.hidden_states[-2], -1)} (second-to-last layer, no final
 * LayerNorm), the pooled embedding is {@code text_projection(final_layer_norm(te2)[eos])} of
 * encoder 2 only (a Linear without bias, [projection_dim, hidden]).
 */
public final class SdxlPromptEncoder {
    private final ClipTokenizer tokenizer1;
    private final ClipTextModel encoder1;
    private final ClipTokenizer tokenizer2;
    private final ClipTextModel encoder2;

    /** @param encoder2 CLIPTextModelWithProjection: its weights also hold {@code text_projection.weight} */
    public SdxlPromptEncoder(ClipTokenizer tokenizer1, ClipTextModel encoder1, ClipTokenizer tokenizer2,
                             ClipTextModel encoder2) {
        this.tokenizer1 = tokenizer1;
        this.encoder1 = encoder1;
        this.tokenizer2 = tokenizer2;
        this.encoder2 = encoder2;
        if (!encoder2.weights().has("text_projection.weight")) {
            throw new IllegalArgumentException(encoder2.weights() + " lacks text_projection.weight: text_encoder_2 of an "
                    + "SDXL model is a CLIPTextModelWithProjection");
        }
    }

    /** Prompt embeddings [B,77,D1+D2] and pooled [B,projection_dim] (no time ids yet). */
    public record Encoded(NDArray promptEmbeds, NDArray pooled) {
        public Conditioning with(NDArray timeIds) {
            return new Conditioning(promptEmbeds, pooled, timeIds);
        }
    }

    public Encoded encode(List<String> prompts) {
        NDArray ids1 = encoder1.weights().get("text_model.embeddings.token_embedding.weight").getManager()
                .create(tokenizer1.encode(prompts));
        NDArray ids2 = encoder2.weights().get("text_model.embeddings.token_embedding.weight").getManager()
                .create(tokenizer2.encode(prompts));
        return encodeIds(ids1, ids2);
    }

    /** From token ids of the two tokenizers [B,77] each. */
    public Encoded encodeIds(NDArray ids1, NDArray ids2) {
        ClipTextModel.Output o1 = encoder1.forwardAll(ids1);
        ClipTextModel.Output o2 = encoder2.forwardAll(ids2);
        NDArray h1 = o1.hiddenStates().get(o1.hiddenStates().size() - 2);
        NDArray h2 = o2.hiddenStates().get(o2.hiddenStates().size() - 2);
        NDArray pooled = Nn.linear(encoder2.weights().sub("text_projection"), o2.pooled());
        return new Encoded(Nn.cat(-1, h1, h2), pooled);
    }

    public ClipTokenizer tokenizer1() {
        return tokenizer1;
    }

    public ClipTokenizer tokenizer2() {
        return tokenizer2;
    }

    public ClipTextModel encoder1() {
        return encoder1;
    }

    public ClipTextModel encoder2() {
        return encoder2;
    }
}
