package dev.erasure.sd;

import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.WeightException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every parameter a diffusers UNet2DConditionModel / AutoencoderKL / transformers CLIPTextModel of a
 * given config has, by its checkpoint key and shape, in the order the libraries register them. The
 * one table of what a config implies: each component checks its weights against it when built
 * ({@link #check}), so a wrong shape fails at load naming file, key and both shapes, not inside
 * libtorch later; and a model is built from scratch (random init) with exactly these keys.
 */
public final class ParameterShapes {
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    private ParameterShapes() {
    }

    /** The UNet's parameters, following diffusers 0.25's block construction (SD-1 naming). */
    public static Map<String, Shape> unet(UNetConfig c) {
        ParameterShapes p = new ParameterShapes();
        int n = c.numBlocks();
        int[] ch = c.blockOutChannels;
        int ted = c.timeEmbeddingDim;
        p.conv("conv_in", ch[0], c.inChannels, c.convInKernel);
        p.linear("time_embedding.linear_1", ted, ch[0], true);
        p.linear("time_embedding.linear_2", ted, ted, true);
        if (c.hasTextTime()) { // SDXL's "text_time" added embedding: [pooled | time-id sinusoids] → time width
            p.linear("add_embedding.linear_1", ted, c.projectionClassEmbeddingsInputDim, true);
            p.linear("add_embedding.linear_2", ted, ted, true);
        }
        int out = ch[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = ch[i];
            String b = "down_blocks." + i;
            boolean attn = c.downBlockTypes.get(i).startsWith("CrossAttn");
            for (int j = 0; j < c.layersPerBlock[i]; j++) {
                p.resnet(b + ".resnets." + j, j == 0 ? in : out, out, ted);
                if (attn) p.transformer(b + ".attentions." + j, out, c.crossAttentionDim[i], c.transformerLayersPerBlock[i], c.useLinearProjection);
            }
            if (i < n - 1) p.conv(b + ".downsamplers.0.conv", out, out, 3);
        }
        int last = ch[n - 1];
        if (c.midBlockType != null) {
            p.resnet("mid_block.resnets.0", last, last, ted);
            p.transformer("mid_block.attentions.0", last, c.crossAttentionDim[n - 1], c.transformerLayersPerBlock[n - 1], c.useLinearProjection);
            p.resnet("mid_block.resnets.1", last, last, ted);
        }
        int outCh = ch[n - 1];
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i; // per-block settings are reversed on the way up
            int prev = outCh;
            outCh = ch[r];
            int inCh = ch[Math.max(r - 1, 0)];
            String b = "up_blocks." + i;
            boolean attn = c.upBlockTypes.get(i).startsWith("CrossAttn");
            int layers = c.layersPerBlock[r] + 1;
            for (int j = 0; j < layers; j++) {
                int skip = j == layers - 1 ? inCh : outCh;
                int resIn = j == 0 ? prev : outCh;
                p.resnet(b + ".resnets." + j, resIn + skip, outCh, ted);
                if (attn) p.transformer(b + ".attentions." + j, outCh, c.crossAttentionDim[r], c.transformerLayersPerBlock[r], c.useLinearProjection);
            }
            if (i < n - 1) p.conv(b + ".upsamplers.0.conv", outCh, outCh, 3);
        }
        p.norm("conv_norm_out", ch[0]);
        p.conv("conv_out", c.outChannels, ch[0], c.convOutKernel);
        return p.shapes;
    }

    /**
     * Every tensor of {@code w} that the config names must have the shape it implies; an error names
     * the file, the key and both shapes. Missing keys are left to the component's first use (which
     * names them too: some are optional, e.g. conv_norm_out); keys the table lacks (buffers such as
     * position_ids, EMA copies) are ignored, as the model never reads them.
     */
    public static void check(Weights w, Map<String, Shape> expected) {
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            if (w.has(e.getKey())) w.get(e.getKey(), e.getValue());
        }
    }

    /**
     * AutoencoderKL's parameters (diffusers 0.25): encoder with layers_per_block resnets per level
     * and a downsampler on all but the last, mid block (resnet, attention, resnet), conv_out to
     * 2·latent channels (mean, logvar); decoder mirrored with one resnet more per level.
     */
    public static Map<String, Shape> vae(VaeConfig c) {
        ParameterShapes p = new ParameterShapes();
        int[] ch = c.blockOutChannels;
        int n = ch.length;
        int last = ch[n - 1];
        p.conv("encoder.conv_in", ch[0], c.inChannels, 3);
        for (int i = 0; i < n; i++) {
            String b = "encoder.down_blocks." + i;
            for (int j = 0; j < c.layersPerBlock; j++) p.vaeResnet(b + ".resnets." + j, j == 0 ? ch[Math.max(i - 1, 0)] : ch[i], ch[i]);
            if (i < n - 1) p.conv(b + ".downsamplers.0.conv", ch[i], ch[i], 3);
        }
        p.vaeMid("encoder.mid_block", last, c.midBlockAddAttention);
        p.norm("encoder.conv_norm_out", last);
        p.conv("encoder.conv_out", 2 * c.latentChannels, last, 3);
        if (c.useQuantConv) p.conv("quant_conv", 2 * c.latentChannels, 2 * c.latentChannels, 1);
        if (c.usePostQuantConv) p.conv("post_quant_conv", c.latentChannels, c.latentChannels, 1);
        p.conv("decoder.conv_in", last, c.latentChannels, 3);
        p.vaeMid("decoder.mid_block", last, c.midBlockAddAttention);
        for (int i = 0; i < n; i++) {
            int in = ch[Math.min(n - i, n - 1)];
            int out = ch[n - 1 - i];
            String b = "decoder.up_blocks." + i;
            for (int j = 0; j <= c.layersPerBlock; j++) p.vaeResnet(b + ".resnets." + j, j == 0 ? in : out, out);
            if (i < n - 1) p.conv(b + ".upsamplers.0.conv", out, out, 3);
        }
        p.norm("decoder.conv_norm_out", ch[0]);
        p.conv("decoder.conv_out", c.outChannels, ch[0], 3);
        return p.shapes;
    }

    /** CLIPTextModel's parameters (the {@code text_model.} keys). */
    public static Map<String, Shape> clipText(ClipTextConfig c) {
        ParameterShapes p = new ParameterShapes();
        int d = c.hiddenSize();
        p.shapes.put("text_model.embeddings.token_embedding.weight", new Shape(c.vocabSize(), d));
        p.shapes.put("text_model.embeddings.position_embedding.weight", new Shape(c.maxPositionEmbeddings(), d));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = "text_model.encoder.layers." + i;
            for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) p.linear(l + ".self_attn." + proj, d, d, true);
            p.norm(l + ".layer_norm1", d);
            p.linear(l + ".mlp.fc1", c.intermediateSize(), d, true);
            p.linear(l + ".mlp.fc2", d, c.intermediateSize(), true);
            p.norm(l + ".layer_norm2", d);
        }
        p.norm("text_model.final_layer_norm", d);
        return p.shapes;
    }

    private void vaeMid(String k, int c, boolean attention) {
        vaeResnet(k + ".resnets.0", c, c);
        if (attention) {
            norm(k + ".attentions.0.group_norm", c);
            for (String proj : new String[] {"to_q", "to_k", "to_v", "to_out.0"}) linear(k + ".attentions.0." + proj, c, c, true);
        }
        vaeResnet(k + ".resnets.1", c, c);
    }

    /** The VAE's resnets have no time embedding. */
    private void vaeResnet(String k, int in, int out) {
        resnet(k, in, out, 0);
    }

    /** @param ted time-embedding width, 0 for none */
    private void resnet(String k, int in, int out, int ted) {
        norm(k + ".norm1", in);
        conv(k + ".conv1", out, in, 3);
        if (ted > 0) linear(k + ".time_emb_proj", out, ted, true);
        norm(k + ".norm2", out);
        conv(k + ".conv2", out, out, 3);
        if (in != out) conv(k + ".conv_shortcut", out, in, 1);
    }

    /** Transformer2DModel with inner dim = channels (SD-1: heads × channels/heads), GEGLU feed-forward ×4. */
    private void transformer(String k, int dim, int crossDim, int layers, boolean linearProjection) {
        norm(k + ".norm", dim);
        if (linearProjection) linear(k + ".proj_in", dim, dim, true); else conv(k + ".proj_in", dim, dim, 1);
        for (int l = 0; l < layers; l++) {
            String t = k + ".transformer_blocks." + l;
            norm(t + ".norm1", dim);
            attention(t + ".attn1", dim, dim);
            norm(t + ".norm2", dim);
            attention(t + ".attn2", dim, crossDim);
            norm(t + ".norm3", dim);
            linear(t + ".ff.net.0.proj", dim * 8, dim, true);
            linear(t + ".ff.net.2", dim, dim * 4, true);
        }
        if (linearProjection) linear(k + ".proj_out", dim, dim, true); else conv(k + ".proj_out", dim, dim, 1);
    }

    private void attention(String k, int dim, int kvDim) {
        linear(k + ".to_q", dim, dim, false);
        linear(k + ".to_k", dim, kvDim, false);
        linear(k + ".to_v", dim, kvDim, false);
        linear(k + ".to_out.0", dim, dim, true);
    }

    private void conv(String k, int out, int in, int kernel) {
        shapes.put(k + ".weight", new Shape(out, in, kernel, kernel));
        shapes.put(k + ".bias", new Shape(out));
    }

    private void linear(String k, int out, int in, boolean bias) {
        shapes.put(k + ".weight", new Shape(out, in));
        if (bias) shapes.put(k + ".bias", new Shape(out));
    }

    private void norm(String k, int c) {
        shapes.put(k + ".weight", new Shape(c));
        shapes.put(k + ".bias", new Shape(c));
    }
}
