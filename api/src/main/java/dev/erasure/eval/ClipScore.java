package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP score as the papers and torchmetrics' documentation define it: for a pair (image, prompt),
 * 100 · max(cos(E_img, E_txt), 0) with the projected CLIP embeddings. {@link #mean} averages the
 * per-pair clamped scores; torchmetrics' clip_score() instead clamps the mean of the unclamped
 * values ({@link #torchmetricsValue}), which differs when some pair has a negative cosine.
 * Prompts are truncated by the tokenizer, which keeps the EOS; torchmetrics slices after tokenizing
 * and so gives every prompt over 77 tokens the same (BOS) embedding.
 */
public final class ClipScore {
    private final ClipModel model;
    private final int batchSize;

    public ClipScore(ClipModel model) {
        this(model, 16);
    }

    public ClipScore(ClipModel model, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        this.model = model;
        this.batchSize = batchSize;
    }

    /** Per-pair 100·max(cos, 0) for images.get(i) with prompts.get(i). */
    public float[] pairScores(List<BufferedImage> images, List<String> prompts) {
        List<RgbImage> rgb = new ArrayList<>();
        for (BufferedImage b : images) rgb.add(RgbImage.of(b));
        return clamp(pairCosinesRgb(rgb, prompts));
    }

    /** Mean over the batch of the per-pair clamped scores (the value this library reports). */
    public double mean(List<BufferedImage> images, List<String> prompts) {
        return mean(pairScores(images, prompts));
    }

    /** Per-pair cos(E_img_i, E_txt_i), unclamped, computed in batches of {@code batchSize}. */
    public float[] pairCosinesRgb(List<RgbImage> images, List<String> prompts) {
        if (images.size() != prompts.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + prompts.size() + " prompts; CLIP score pairs them one to one");
        }
        float[] out = new float[images.size()];
        NDManager parent = model.weights().get("logit_scale").getManager();
        for (int start = 0; start < images.size(); start += batchSize) {
            int end = Math.min(images.size(), start + batchSize);
            try (NDManager m = parent.newSubManager()) {
                NDArray pixels = model.processor().preprocess(m, images.subList(start, end));
                NDArray img = model.imageEmbeds(pixels);
                NDArray txt = model.textEmbeds(model.tokenize(m, prompts.subList(start, end)));
                float[] cos = pairCosines(img, txt);
                System.arraycopy(cos, 0, out, start, cos.length);
            }
        }
        return out;
    }

    /** Row-wise cosine of two [N,P] embedding batches (normalised as torchmetrics does). */
    public static float[] pairCosines(NDArray imageEmbeds, NDArray textEmbeds) {
        if (!imageEmbeds.getShape().equals(textEmbeds.getShape())) {
            throw new IllegalArgumentException("image embeddings " + imageEmbeds.getShape() + " and text embeddings "
                    + textEmbeds.getShape() + " must have the same shape");
        }
        return ClipModel.normalize(imageEmbeds).mul(ClipModel.normalize(textEmbeds)).sum(new int[] {-1}).toFloatArray();
    }

    /** 100·max(cos, 0) element-wise. */
    public static float[] clamp(float[] cosines) {
        float[] out = new float[cosines.length];
        for (int i = 0; i < out.length; i++) out[i] = 100f * Math.max(cosines[i], 0f);
        return out;
    }

    public static double mean(float[] scores) {
        if (scores.length == 0) throw new IllegalArgumentException("no scores to average");
        double s = 0;
        for (float v : scores) s += v;
        return s / scores.length;
    }

    /** torchmetrics' clip_score(): max(mean(100·cos), 0), averaged first, clamped after. */
    public static double torchmetricsValue(float[] cosines) {
        double s = 0;
        for (float c : cosines) s += 100.0 * c;
        return Math.max(s / cosines.length, 0);
    }
}
