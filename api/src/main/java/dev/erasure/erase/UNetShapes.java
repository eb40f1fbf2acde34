package dev.erasure.erase;

import dev.erasure.sd.UNetConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The diffusers tensor names and shapes of a UNet2DConditionModel (SD-1.x, SD-2.x with linear
 * projections, SDXL with transformer stacks and the "text_time" add_embedding), derived from its
 * config alone (no weights), so memory can be planned without downloading it. Checked against
 * the tiny fixtures' real key lists in the tests.
 */
public final class UNetShapes {
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final int timeDim;
    private final UNetConfig cfg;

    private UNetShapes(UNetConfig c) {
        this.cfg = c;
        int[] ch = c.blockOutChannels;
        int n = ch.length;
        timeDim = c.timeEmbeddingDim > 0 ? c.timeEmbeddingDim : 4 * ch[0];
        conv("conv_in", ch[0], c.inChannels, c.convInKernel);
        linear("time_embedding.linear_1", timeDim, ch[0]);
        linear("time_embedding.linear_2", timeDim, timeDim);
        if (c.hasTextTime()) {
            linear("add_embedding.linear_1", timeDim, c.projectionClassEmbeddingsInputDim);
            linear("add_embedding.linear_2", timeDim, timeDim);
        }
        for (int i = 0; i < n; i++) {
            int in = i == 0 ? ch[0] : ch[i - 1];
            boolean attn = c.downBlockTypes.get(i).startsWith("CrossAttn");
            for (int j = 0; j < c.layersPerBlock[i]; j++) {
                resnet("down_blocks." + i + ".resnets." + j, j == 0 ? in : ch[i], ch[i]);
                if (attn) transformer("down_blocks." + i + ".attentions." + j, ch[i], c.crossAttentionDim[i], c.transformerLayersPerBlock[i]);
            }
            if (i < n - 1) conv("down_blocks." + i + ".downsamplers.0.conv", ch[i], ch[i], 3);
        }
        resnet("mid_block.resnets.0", ch[n - 1], ch[n - 1]);
        transformer("mid_block.attentions.0", ch[n - 1], c.crossAttentionDim[n - 1], c.transformerLayersPerBlock[n - 1]);
        resnet("mid_block.resnets.1", ch[n - 1], ch[n - 1]);
        for (int i = 0; i < n; i++) {
            int out = ch[n - 1 - i];
            int prev = ch[n - 1 - Math.max(i - 1, 0)];
            int skipIn = ch[n - 1 - Math.min(i + 1, n - 1)];
            boolean attn = c.upBlockTypes.get(i).startsWith("CrossAttn");
            int layers = c.layersPerBlock[n - 1 - i] + 1;
            for (int j = 0; j < layers; j++) {
                int resIn = j == 0 ? prev : out;
                int skip = j == layers - 1 ? skipIn : out;
                resnet("up_blocks." + i + ".resnets." + j, resIn + skip, out);
                if (attn) transformer("up_blocks." + i + ".attentions." + j, out, c.crossAttentionDim[n - 1 - i],
                        c.transformerLayersPerBlock[n - 1 - i]);
            }
            if (i < n - 1) conv("up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
        }
        norm("conv_norm_out", ch[0]);
        conv("conv_out", c.outChannels, ch[0], c.convOutKernel);
    }

    public static Map<String, long[]> of(UNetConfig c) {
        return new UNetShapes(c).shapes;
    }

    private void conv(String name, long out, long in, int k) {
        shapes.put(name + ".weight", new long[] {out, in, k, k});
        shapes.put(name + ".bias", new long[] {out});
    }

    private void linear(String name, long out, long in) {
        shapes.put(name + ".weight", new long[] {out, in});
        shapes.put(name + ".bias", new long[] {out});
    }

    private void norm(String name, long c) {
        shapes.put(name + ".weight", new long[] {c});
        shapes.put(name + ".bias", new long[] {c});
    }

    private void resnet(String p, int in, int out) {
        norm(p + ".norm1", in);
        conv(p + ".conv1", out, in, 3);
        linear(p + ".time_emb_proj", out, timeDim);
        norm(p + ".norm2", out);
        conv(p + ".conv2", out, out, 3);
        if (in != out) conv(p + ".conv_shortcut", out, in, 1);
    }

    private void transformer(String p, int c, int ctx, int depth) {
        norm(p + ".norm", c);
        projection(p + ".proj_in", c);
        for (int d = 0; d < depth; d++) {
            String b = p + ".transformer_blocks." + d + ".";
            norm(b + "norm1", c);
            attention(b + "attn1", c, c);
            norm(b + "norm2", c);
            attention(b + "attn2", c, ctx);
            norm(b + "norm3", c);
            linear(b + "ff.net.0.proj", 8L * c, c);
            linear(b + "ff.net.2", c, 4L * c);
        }
        projection(p + ".proj_out", c);
    }

    /** SD-2/SDXL's use_linear_projection stores proj_in/proj_out as Linear [C,C]; SD-1 as 1×1 convs. */
    private void projection(String name, int c) {
        if (cfg.useLinearProjection) linear(name, c, c);
        else conv(name, c, c, 1);
    }

    private void attention(String p, long c, long ctx) {
        shapes.put(p + ".to_q.weight", new long[] {c, c});
        shapes.put(p + ".to_k.weight", new long[] {c, ctx});
        shapes.put(p + ".to_v.weight", new long[] {c, ctx});
        linear(p + ".to_out.0", c, c);
    }

    /** Elements of a shape. */
    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
