package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.erasure.sd.Pipeline;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;

import java.util.List;
import ai.djl.ndarray.types.DataType;

/**
 * Similarity of concepts to a target in the model's own text-embedding space (the x axis of the
 * δ-vs-similarity scatter, App. B.5): cosine of the pooled (EOS-token) text embeddings.
 */
public final class TextSimilarity {
    private TextSimilarity() {
    }

    /** cos(pooled(concept), pooled(target)) for every concept, encoded in batches of {@code batch}. */
    public static double[] toTarget(Pipeline sd, List<String> concepts, String target, int batch) {
        double[] t = pooled(sd, List.of(target))[0];
        double[] out = new double[concepts.size()];
        for (int start = 0; start < concepts.size(); start += batch) {
            List<String> chunk = concepts.subList(start, Math.min(concepts.size(), start + batch));
            double[][] p = pooled(sd, chunk);
            for (int i = 0; i < p.length; i++) out[start + i] = cosine(p[i], t);
        }
        return out;
    }

    /**
     * Pooled text embeddings [n][D] as doubles (no grad, temporaries freed): SD's EOS-token state; on SDXL the
     * projected pooled embedding of text encoder 2, the one SDXL conditions on.
     */
    public static double[][] pooled(Pipeline p, List<String> prompts) {
        try (NDScope scope = new NDScope()) {
            if (p instanceof StableDiffusionXL xl) {
                int size = xl.defaultImageSize();
                return rows(xl.conditioning(prompts, size, size).pooled());
            }
            if (!(p instanceof StableDiffusion sd)) throw new IllegalArgumentException("no text-embedding similarity for " + p);
            NDArray ids = sd.tokenIds(prompts);
            return rows(sd.textEncoder().forwardAll(ids).pooled());
        }
    }

    /** A [n, ...] tensor as n flattened rows of doubles. */
    static double[][] rows(NDArray x) {
        int n = (int) x.getShape().get(0);
        float[] f = x.toType(DataType.FLOAT32, false).toFloatArray();
        int d = f.length / n;
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) out[i][j] = f[i * d + j];
        return out;
    }

    public static double cosine(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? (aa == bb ? 1 : 0) : ab / Math.sqrt(aa * bb);
    }
}
