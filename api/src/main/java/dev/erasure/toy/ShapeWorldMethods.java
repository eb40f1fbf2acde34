package dev.erasure.toy;

import dev.erasure.Preserve;
import dev.erasure.Vocabulary;
import dev.erasure.toy.ShapeWorldBench.Recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The erasure methods of the ShapeWorld bench, each a {@link Recipe} on top of the bench's shared
 * base (targets, cross-attention weights, 20-step grid, lr 1e-3, 100 steps per erased concept).
 * Only hyperparameters the papers expose are set; values that differ from the SD-1.4 defaults are
 * scaled to the world (its 18-word vocabulary, 16 px images, a 2-layer text encoder) and say so.
 */
public final class ShapeWorldMethods {
    /** No erasure: the original model's scores. */
    public static final Recipe ORIGINAL = (base, set) -> null;

    /** ESD (methods.md §1): no preservation. */
    public static final Recipe ESD = (base, set) -> base.preserve(Preserve.none());

    /** ESD + the fixed neutral concept "" (§2.6 with no words): the paper's "fixed preservation" baseline. */
    public static final Recipe NEUTRAL = (base, set) -> base.preserve(Preserve.neutral());

    /**
     * EAP (§2.1–2.3): K = 4 candidates per erased concept from the 12 world words closest to it (the
     * world has 18 words; SD-1.4 uses K = 100 of the 1000 closest EN3K words).
     */
    public static final Recipe EAP = (base, set) -> base.vocabulary(Vocabulary.of(set.worldWords()))
            .preserve(Preserve.adversarial(4 * set.erased().size()).kClosest(12));

    private ShapeWorldMethods() {
    }

    /** original, ESD, ESD + neutral, EAP: the rows of the seed paper's Table 1. */
    public static Map<String, Recipe> standard() {
        Map<String, Recipe> m = new LinkedHashMap<>();
        m.put("original", ORIGINAL);
        m.put("ESD", ESD);
        m.put("ESD + neutral", NEUTRAL);
        m.put("EAP", EAP);
        return m;
    }
}
