package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;
import dev.erasure.sd.clip.ClipEncoder;
import dev.erasure.sd.nn.Nn;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPVisionTransformer (4.37): patch conv (no bias) → row-major patch tokens with
 * the class embedding prepended, + position embeddings → {@code pre_layrnorm} (HF's spelling) →
 * the same {@link ClipEncoder} as the text tower, without a mask → {@code post_layernorm} of the
 * class token only. Weights are looked up at forward time under {@code vision_model.}.
 */
public final class ClipVisionModel {
    private final ClipVisionConfig cfg;
    private final Weights weights;
    private final ClipEncoder encoder;

    /** @param w root view with {@code vision_model.embeddings...}, {@code vision_model.encoder...} keys */
    public ClipVisionModel(ClipVisionConfig cfg, Weights w) {
        this.cfg = cfg;
        this.weights = w;
        this.encoder = new ClipEncoder(cfg.numHiddenLayers(), cfg.numAttentionHeads(), cfg.hiddenAct(), cfg.layerNormEps());
        Weights emb = w.sub("vision_model.embeddings");
        int d = cfg.hiddenSize();
        emb.get("class_embedding", new Shape(d));
        emb.get("patch_embedding.weight", new Shape(d, cfg.numChannels(), cfg.patchSize(), cfg.patchSize()));
        emb.get("position_embedding.weight", new Shape(cfg.numPositions(), d));
    }

    /**
     * embeddings (before pre_layrnorm), hiddenStates (encoder input = pre_layrnorm output, then
     * each layer), lastHiddenState (raw encoder output, no post-LN), pooled (post_layernorm of the class token).
     */
    public record Output(NDArray embeddings, List<NDArray> hiddenStates, NDArray lastHiddenState, NDArray pooled) {
    }

    /** pixelValues [N,C,S,S] float (S = image_size) → the vision tower's outputs. */
    public Output forward(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(1) != cfg.numChannels() || s.get(2) != cfg.imageSize() || s.get(3) != cfg.imageSize()) {
            throw new IllegalArgumentException("pixel values must be [N, " + cfg.numChannels() + ", " + cfg.imageSize()
                    + ", " + cfg.imageSize() + "], got " + s);
        }
        Weights vm = weights.sub("vision_model");
        NDArray x = embeddings(vm.sub("embeddings"), pixelValues);
        List<NDArray> hidden = new ArrayList<>();
        NDArray h = Nn.layerNorm(vm.sub("pre_layrnorm"), x, cfg.layerNormEps());
        hidden.add(h);
        NDArray last = encoder.forward(vm.sub("encoder"), h, null, hidden);
        NDArray cls = last.get(new NDIndex(":, 0, :"));
        NDArray pooled = Nn.layerNorm(vm.sub("post_layernorm"), cls, cfg.layerNormEps());
        return new Output(x, hidden, last, pooled);
    }

    private NDArray embeddings(Weights emb, NDArray pixelValues) {
        long n = pixelValues.getShape().get(0);
        int d = cfg.hiddenSize();
        NDArray patches = Nn.conv2d(emb.sub("patch_embedding"), pixelValues, cfg.patchSize(), 0); // [N,D,g,g]
        patches = patches.reshape(n, d, (long) cfg.gridSize() * cfg.gridSize()).transpose(0, 2, 1);
        NDArray cls = emb.get("class_embedding").reshape(1, 1, d).broadcast(new Shape(n, 1, d));
        return Nn.cat(1, cls, patches).add(emb.get("position_embedding.weight"));
    }

    public ClipVisionModel withWeights(Weights w) {
        return new ClipVisionModel(cfg, w);
    }

    public Weights weights() {
        return weights;
    }

    public ClipVisionConfig config() {
        return cfg;
    }
}
