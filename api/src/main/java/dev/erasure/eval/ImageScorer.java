package dev.erasure.eval;

import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.List;

/**
 * How much of a concept an image shows (higher = more): the score whose drop between the original
 * and the erased model is the sensitivity δ. CLIP score is the paper's choice; any other scorer
 * plugs in, e.g. a ShapeWorld classifier's probability of the concept.
 */
@FunctionalInterface
public interface ImageScorer {
    /** One score per image, each image generated for {@code prompt}. */
    double[] score(List<BufferedImage> images, String prompt);

    /** CLIP score 100·max(cos, 0) of each image with the prompt. */
    static ImageScorer clip(ClipScore clipScore) {
        return (images, prompt) -> {
            float[] s = clipScore.pairScores(images, Collections.nCopies(images.size(), prompt));
            double[] out = new double[s.length];
            for (int i = 0; i < s.length; i++) out[i] = s[i];
            return out;
        };
    }

    static ImageScorer clip(ClipModel model) {
        return clip(new ClipScore(model));
    }
}
