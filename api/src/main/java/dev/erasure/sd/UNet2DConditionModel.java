package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Checkpointing;
import dev.erasure.sd.nn.MemorySaving;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.unet.Timesteps;
import dev.erasure.sd.unet.UNetDownBlock;
import dev.erasure.sd.unet.UNetMidBlock2DCrossAttn;
import dev.erasure.sd.unet.UNetUpBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * diffusers UNet2DConditionModel (SD-1.x/2.x) on DJL. The object holds only the structure derived
 * from the config; tensors are looked up by their diffusers key names in {@link #weights()} at
 * forward time, so {@link #withWeights} gives a model sharing every tensor it does not replace,
 * and the same forward records autograd graphs inside a GradientCollector.
 */
public final class UNet2DConditionModel {
    private final UNetConfig cfg;
    private final Weights w;
    private final MemorySaving saving;
    private final List<UNetDownBlock> down = new ArrayList<>();
    private final UNetMidBlock2DCrossAttn mid;
    private final List<UNetUpBlock> up = new ArrayList<>();

    public UNet2DConditionModel(UNetConfig cfg, Weights w) {
        this(cfg, w, MemorySaving.NONE);
    }

    private UNet2DConditionModel(UNetConfig cfg, Weights w, MemorySaving saving) {
        this.cfg = cfg;
        this.w = w;
        this.saving = saving;
        for (int i = 0; i < cfg.numBlocks(); i++) {
            down.add(new UNetDownBlock(cfg, i));
            up.add(new UNetUpBlock(cfg, i));
        }
        this.mid = cfg.midBlockType == null ? null : new UNetMidBlock2DCrossAttn(cfg);
        // fail at construction, naming the file and key, rather than mid-forward
        ParameterShapes.check(w, ParameterShapes.unet(cfg));
        w.get("conv_in.weight");
        w.get("conv_out.weight");
    }

    public UNetConfig config() {
        return cfg;
    }

    public Weights weights() {
        return w;
    }

    /** The same architecture over other tensors (e.g. an overlay with trainable copies), the same memory options. */
    public UNet2DConditionModel withWeights(Weights other) {
        return new UNet2DConditionModel(cfg, other, saving);
    }

    /** How its forward trades compute for memory (gradient checkpointing, attention slicing). */
    public MemorySaving memorySaving() {
        return saving;
    }

    /** The same model and weights, its forward run with {@code s} (same results within float rounding). */
    public UNet2DConditionModel withMemorySaving(MemorySaving s) {
        return new UNet2DConditionModel(cfg, w, Objects.requireNonNull(s, "memorySaving"));
    }

    /**
     * The noise (or v) prediction [B,out,H,W].
     * @param sample latent [B,in,H,W]
     * @param timesteps [B] or [1] or a scalar, int64 or float32
     * @param encoderHiddenStates text states [B,77,cross_attention_dim]
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates) {
        return forward(sample, timesteps, encoderHiddenStates, null);
    }

    /** As {@link #forward(NDArray, NDArray, NDArray)}, recording sub-module outputs by diffusers name. */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates,
                           Map<String, NDArray> capture) {
        return forward(sample, timesteps, Conditioning.of(encoderHiddenStates), capture);
    }

    /** The prediction for any conditioning (SDXL's adds pooled text and time ids). */
    public NDArray forward(NDArray sample, NDArray timesteps, Conditioning cond) {
        return forward(sample, timesteps, cond, null);
    }

    public NDArray forward(NDArray sample, NDArray timesteps, Conditioning cond, Map<String, NDArray> capture) {
        NDArray encoderHiddenStates = cond.promptEmbeds();
        checkInputs(sample, encoderHiddenStates);
        if (cfg.hasTextTime() != cond.hasTextTime()) {
            throw new IllegalArgumentException(cfg.hasTextTime()
                    ? "this UNet (addition_embed_type text_time, SDXL) needs pooled text embeddings and time ids"
                    : "this UNet takes prompt embeddings only; got pooled embeddings and time ids (SDXL conditioning)");
        }
        Capture cap = Capture.into(capture, saving);
        long batch = sample.getShape().get(0);
        NDArray tEmb = cap.put("time_proj", Timesteps.sinusoidal(Timesteps.toBatch(timesteps, batch),
                cfg.blockOutChannels[0], cfg.flipSinToCos, cfg.freqShift).toType(sample.getDataType(), false));
        NDArray emb = cap.put("time_embedding",
                Timesteps.embedding(w.sub("time_embedding"), tEmb, cfg.actFn, cfg.timestepPostAct));
        if (cond.hasTextTime()) emb = cap.put("temb", emb.add(addedEmbedding(cond, batch, sample.getDataType(), cap)));
        if (cfg.timeEmbeddingActFn != null) emb = Nn.activation(cfg.timeEmbeddingActFn, emb);

        if (saving.gradientCheckpointing() && capture == null) {
            // read by every block: their checkpointed backwards meet here, and the graph behind is walked once
            emb = Checkpointing.boundary(emb);
            encoderHiddenStates = Checkpointing.boundary(encoderHiddenStates);
        }
        NDArray x = cfg.centerInputSample ? sample.mul(2f).sub(1f) : sample;
        x = cap.put("conv_in", Nn.conv2d(w.sub("conv_in"), x, 1, (cfg.convInKernel - 1) / 2));
        List<NDArray> skips = new ArrayList<>();
        skips.add(x);
        for (int i = 0; i < down.size(); i++) {
            String name = "down_blocks." + i;
            x = down.get(i).forward(w.sub(name), x, emb, encoderHiddenStates, skips, cap.sub(name));
        }
        if (mid != null) x = mid.forward(w.sub("mid_block"), x, emb, encoderHiddenStates, cap.sub("mid_block"));
        for (int i = 0; i < up.size(); i++) {
            String name = "up_blocks." + i;
            x = up.get(i).forward(w.sub(name), x, emb, encoderHiddenStates, skips, cap.sub(name));
        }
        if (w.has("conv_norm_out.weight")) { // diffusers omits it when norm_num_groups is null
            x = cap.put("conv_norm_out", Nn.groupNorm(w.sub("conv_norm_out"), x, cfg.normNumGroups, (float) cfg.normEps));
            x = Nn.activation(cfg.actFn, x);
        }
        return cap.put("conv_out", Nn.conv2d(w.sub("conv_out"), x, 1, (cfg.convOutKernel - 1) / 2));
    }

    /**
     * diffusers' "text_time" added embedding: each time id gets a [cos | sin] sinusoid of width
     * addition_time_embed_dim (reshaped to [B, n·dim] in id order), the pooled text comes first,
     * and add_embedding (Linear → SiLU → Linear) maps the concatenation to the time-embedding width.
     */
    private NDArray addedEmbedding(Conditioning cond, long batch, DataType dtype, Capture cap) {
        NDArray ids = cond.timeIds();
        if (ids.getShape().dimension() != 2 || ids.getShape().get(0) != batch) {
            throw new IllegalArgumentException("time ids must be [" + batch + ", n], got " + ids.getShape());
        }
        long width = cond.pooled().getShape().get(1) + ids.getShape().get(1) * cfg.additionTimeEmbedDim;
        if (width != cfg.projectionClassEmbeddingsInputDim) {
            throw new IllegalArgumentException("pooled " + cond.pooled().getShape() + " and time ids " + ids.getShape()
                    + " give " + width + " add_embedding inputs; the UNet config expects " + cfg.projectionClassEmbeddingsInputDim);
        }
        NDArray proj = cap.put("add_time_proj", Timesteps.sinusoidal(ids.reshape(-1), cfg.additionTimeEmbedDim,
                cfg.flipSinToCos, cfg.freqShift));
        NDArray timeEmbeds = proj.reshape(batch, -1).toType(dtype, false);
        NDArray input = cap.put("add_embedding.input", Nn.cat(-1, cond.pooled().toType(dtype, false), timeEmbeds));
        return cap.put("add_embedding", Timesteps.embedding(w.sub("add_embedding"), input, "silu", null));
    }

    private void checkInputs(NDArray sample, NDArray context) {
        if (sample.getShape().dimension() != 4 || sample.getShape().get(1) != cfg.inChannels) {
            throw new IllegalArgumentException("sample must be [B," + cfg.inChannels + ",H,W], got " + sample.getShape());
        }
        if (context.getShape().dimension() != 3 || context.getShape().get(0) != sample.getShape().get(0)) {
            throw new IllegalArgumentException("encoderHiddenStates must be [B,L,D] with B = "
                    + sample.getShape().get(0) + ", got " + context.getShape());
        }
        if (sample.getDataType() != DataType.FLOAT32 && sample.getDataType() != DataType.FLOAT16) {
            throw new IllegalArgumentException("sample must be float32 or float16, got " + sample.getDataType());
        }
    }
}
