package dev.erasure.toy;

import dev.erasure.eval.ImageScorer;
import dev.erasure.toy.Concept.Attribute;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The ShapeWorld variant of the sensitivity score: how much an image shows what its prompt names,
 * as the concept classifier's softmax probability of the named value ("a star" → p(shape = star),
 * "something red" → p(colour = red), "a shape on a dark background" → p(background = dark)). A
 * prompt naming several attributes ("a red star") scores the product of their probabilities (the
 * heads are treated as independent). Sensitivity's δ(c) with this scorer is the drop in the
 * classifier's belief in c between the original and the erased model.
 */
public final class ClassifierScorer implements ImageScorer {
    private final ConceptClassifier classifier;

    private ClassifierScorer(ConceptClassifier classifier) {
        this.classifier = classifier;
    }

    public static ImageScorer of(ConceptClassifier classifier) {
        if (classifier == null) throw new IllegalArgumentException("classifier must not be null");
        return new ClassifierScorer(classifier);
    }

    @Override
    public double[] score(List<BufferedImage> images, String prompt) {
        Map<Attribute, Integer> named = named(prompt);
        double[] out = new double[images.size()];
        Arrays.fill(out, 1.0);
        named.forEach((attribute, index) -> {
            float[][] p = classifier.probabilities(images, attribute);
            for (int i = 0; i < out.length; i++) out[i] *= p[i][index];
        });
        return out;
    }

    /** The class index of every attribute the prompt names; a clear error when it names none. */
    static Map<Attribute, Integer> named(String prompt) {
        Mentions m;
        try {
            m = CaptionGrammar.parse(prompt == null ? "" : prompt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prompt '" + prompt + "' is not a ShapeWorld caption, so the classifier "
                    + "cannot score it; use a concept prompt such as \"a star\", \"something red\" or "
                    + "\"a shape on a dark background\" (Concept.prompt())", e);
        }
        Map<Attribute, Integer> out = new EnumMap<>(Attribute.class);
        if (m.shape() != null) out.put(Attribute.SHAPE, m.shape().ordinal());
        if (m.colour() != null) out.put(Attribute.COLOUR, m.colour().ordinal());
        if (m.style() != null) out.put(Attribute.STYLE, m.style().ordinal());
        if (m.background() != null) out.put(Attribute.BACKGROUND, m.background().ordinal());
        if (out.isEmpty()) {
            throw new IllegalArgumentException("prompt '" + prompt + "' names no ShapeWorld concept (no shape, colour, "
                    + "style or background), so there is no class whose probability to score");
        }
        return out;
    }
}
