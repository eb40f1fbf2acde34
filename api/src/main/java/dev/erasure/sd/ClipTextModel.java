package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.SparseFormat;
import dev.erasure.sd.clip.ClipEncoder;
import dev.erasure.sd.nn.Nn;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPTextModel (4.37) as SD-1.x uses it: token + learned position embeddings, a
 * causal pre-LN {@link ClipEncoder}, final LayerNorm. No padding mask is applied (the pipeline
 * passes none), so all positions, pads included, are computed. Weights are read at forward time
 * from the root view's {@code text_model.} keys, so {@link #withWeights} shares frozen tensors.
 */
public final class ClipTextModel {
    private final ClipTextConfig cfg;
    private final Weights weights;
    private final ClipEncoder encoder;

    /** @param w root view with {@code text_model.embeddings...}, {@code text_model.encoder...} keys */
    public ClipTextModel(ClipTextConfig cfg, Weights w) {
        this.cfg = cfg;
        this.weights = w;
        this.encoder = new ClipEncoder(cfg.numHiddenLayers(), cfg.numAttentionHeads(), cfg.hiddenAct(), cfg.layerNormEps());
        ParameterShapes.check(w, ParameterShapes.clipText(cfg));
        w.get("text_model.embeddings.token_embedding.weight");
        w.get("text_model.embeddings.position_embedding.weight");
    }

    /** lastHiddenState [B,L,D] after final LN; hiddenStates: embeddings then each layer (before final LN); pooled [B,D]. */
    public record Output(NDArray lastHiddenState, List<NDArray> hiddenStates, NDArray pooled) {
    }

    /** ids [B,L] → last_hidden_state [B,L,D] (what SD feeds the UNet's cross-attention). */
    public NDArray forward(NDArray ids) {
        return forwardEmbeddings(tokenEmbedding(ids));
    }

    public Output forwardAll(NDArray ids) {
        return forwardAll(ids, null);
    }

    /**
     * Like {@link #forwardAll(NDArray)} with transformers' padding mask ([B,L], 1 = token, 0 = pad;
     * null = none), as CLIPModel is called by CLIPProcessor. Positions up to the EOS, and so the
     * pooled output, do not depend on it (the causal mask already hides the later pads).
     */
    public Output forwardAll(NDArray ids, NDArray attentionMask) {
        List<NDArray> hidden = new ArrayList<>();
        NDArray last = run(tokenEmbedding(ids), attentionMask, hidden);
        return new Output(last, hidden, pool(last, ids));
    }

    /** Token embeddings [B,L,D] given directly (soft prompts); position embeddings are added here. */
    public NDArray forwardEmbeddings(NDArray tokenEmbeddings) {
        return run(tokenEmbeddings, null, null);
    }

    /** ids [B,L] (integer) → token embeddings [B,L,D]; differentiable w.r.t. the embedding table. */
    public NDArray tokenEmbedding(NDArray ids) {
        Shape s = ids.getShape();
        if (s.dimension() != 2) throw new IllegalArgumentException("token ids must be [batch, length], got " + s);
        if (!ids.getDataType().isInteger()) throw new IllegalArgumentException("token ids must be integers, got " + ids.getDataType());
        NDArray ids64 = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        for (long id : ids64.toLongArray()) {
            if (id < 0 || id >= cfg.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + cfg.vocabSize() + ")");
            }
        }
        NDArray table = weights.get("text_model.embeddings.token_embedding.weight");
        return Embedding.embedding(ids64, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray run(NDArray tokenEmbeddings, NDArray attentionMask, List<NDArray> hiddenStates) {
        Shape s = tokenEmbeddings.getShape();
        if (s.dimension() != 3 || s.get(2) != cfg.hiddenSize() || s.get(1) > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("token embeddings must be [batch, length ≤ " + cfg.maxPositionEmbeddings()
                    + ", " + cfg.hiddenSize() + "], got " + s);
        }
        int length = (int) s.get(1);
        Weights tm = weights.sub("text_model");
        NDArray positions = tm.get("embeddings.position_embedding.weight").get(new NDIndex(":{}", length));
        NDArray x = tokenEmbeddings.add(positions);
        if (hiddenStates != null) hiddenStates.add(x);
        NDArray mask = ClipEncoder.causalMask(tokenEmbeddings.getManager(), length, x.getDataType());
        if (attentionMask != null) mask = mask.add(ClipEncoder.paddingMask(attentionMask, s.get(0), length, x.getDataType()));
        x = encoder.forward(tm.sub("encoder"), x, mask, hiddenStates);
        return Nn.layerNorm(tm.sub("final_layer_norm"), x, cfg.layerNormEps());
    }

    /**
     * transformers' pooler: the state at the EOS position. With the legacy eos_token_id 2 (SD-1.x
     * configs) that is argmax(ids), i.e. the first highest id (49407); otherwise the first position
     * whose id equals eos_token_id (position 0 if there is none, like torch's argmax of all-false).
     */
    private NDArray pool(NDArray last, NDArray ids) {
        long[][] rows = rows(ids);
        NDList picked = new NDList();
        for (int b = 0; b < rows.length; b++) {
            picked.add(last.get(new NDIndex("{}, {}", b, eosPosition(rows[b]))));
        }
        return NDArrays.stack(picked, 0);
    }

    private int eosPosition(long[] row) {
        int best = 0;
        for (int i = 0; i < row.length; i++) {
            if (cfg.eosTokenId() == 2) {
                if (row[i] > row[best]) best = i;
            } else if (row[i] == cfg.eosTokenId()) {
                return i;
            }
        }
        return best;
    }

    private static long[][] rows(NDArray ids) {
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        int b = (int) ids.getShape().get(0);
        int l = (int) ids.getShape().get(1);
        long[][] out = new long[b][l];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * l, out[i], 0, l);
        return out;
    }

    public ClipTextModel withWeights(Weights w) {
        return new ClipTextModel(cfg, w);
    }

    public Weights weights() {
        return weights;
    }

    public ClipTextConfig config() {
        return cfg;
    }
}
