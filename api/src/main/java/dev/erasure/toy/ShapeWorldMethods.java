package dev.erasure.toy;

import dev.erasure.Erasure;
import dev.erasure.Methods;
import dev.erasure.core.Compat;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.toy.ShapeWorldBench.Setup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The erasure methods of the ShapeWorld bench, each a {@link Setup} on top of the bench's shared
 * base (targets, cross-attention weights, 20-step grid, lr 1e-3, 100 iterations per erased concept).
 * Only hyperparameters the papers expose are set; values that differ from the SD-1.4 defaults are
 * scaled to the world (its 18-word vocabulary, 16 px images, a 2-layer text encoder) and say so.
 */
public final class ShapeWorldMethods {
    /** No erasure: the original model's scores. */
    public static final Setup ORIGINAL = (base, set) -> null;

    /** ESD (methods.md §1): no preservation. */
    public static final Setup ESD = (base, set) -> base.preserve(Preserve.none());

    /**
     * ESD with {@link Compat#CORRECTED}: the GenLatent offset fixed (x_t of the grid's step k, not k+1), as
     * EAP (corrected) has it, so the two compare on the same footing (issue #18: the offset alone speeds ESD up).
     */
    public static final Setup ESD_CORRECTED = (base, set) -> base.compat(Compat.CORRECTED).preserve(Preserve.none());

    /** ESD + the fixed neutral concept "" (§2.6 with no words): the paper's "fixed preservation" baseline. */
    public static final Setup NEUTRAL = (base, set) -> base.preserve(Preserve.neutral());

    /**
     * EAP (§2.1–2.3) as the official code runs it: K candidates per erased concept spread over the 12
     * world words closest to it (the world has 18 words; SD-1.4 uses K = 100 of the 1000 closest EN3K
     * words), K = 4 rounded up to a multiple of the number of erased concepts (the official assert).
     * The candidates may contain the erased concepts themselves (methods.md §9.3).
     */
    public static final Setup EAP = eap();

    /** EAP with {@link Compat#CORRECTED}: the erased concepts are not candidates, and GenLatent's offset is fixed. */
    public static final Setup EAP_CORRECTED = eap().compat(Compat.CORRECTED);

    /** Where EAP's candidate concepts come from on ShapeWorld. */
    public enum Candidates {
        /**
         * The official path: the world's single words (18: shapes, colours, styles, backgrounds), the 12
         * closest to the target, K-means down to K (see {@link #EAP}).
         */
        WORLD_WORDS,
        /**
         * The concepts the erase set keeps (for a shape set: the other shapes), every one of them in the
         * pool; K = the largest multiple of the number of erased concepts ≤ min(4 rounded up, pool)
         * (a set of three shapes keeps five: K = 3).
         */
        KEPT,
        /**
         * The analogue of the paper's EN3K vocabulary: every caption the model was trained on
         * ({@link CaptionGrammar#phrases()}), the phrases naming an erased word left out, then the official
         * selection (the 12 closest to the target, K-means down to K). By that distance on models/shapeworld the
         * nearest captions to "circle" are generic shape phrases ("a shape on a dark background", "a solid shape"),
         * then rings and hearts.
         */
        CAPTIONS
    }

    /** EAP as the official code runs it ({@link #EAP}); its settings are withers. */
    public static EapSetup eap() {
        return new EapSetup(Compat.OFFICIAL, Preserve.LossSpace.X0, Candidates.WORLD_WORDS,
                Preserve.adversarial(1).learningRate());
    }

    /**
     * EAP's setup on ShapeWorld: its ShapeWorld options.
     *
     * @param compat     the official code's quirks or the corrections (methods.md §9.3, §9.9)
     * @param lossSpace  x0-space losses (official) or ε-space ones ({@link Preserve.LossSpace})
     * @param candidates the world's words (official), the kept concepts or the world's captions ({@link Candidates})
     * @param piLearningRate the Gumbel lr (Adam on π; official 1e-2, under which π stays near uniform for hundreds of
     *                   iterations on ShapeWorld; at 0.1 it concentrates and EAP keeps far less:
     *                   bench/shapeworld-pi-gumbel-lr-2core-contended-20261207.txt, shapeworld-frontier-pi-lr-*)
     */
    public record EapSetup(Compat compat, Preserve.LossSpace lossSpace, Candidates candidates, double piLearningRate)
            implements Setup {
        public EapSetup {
            Finite.require("piLearningRate", piLearningRate);
            Objects.requireNonNull(compat, "compat");
            Objects.requireNonNull(lossSpace, "lossSpace");
            Objects.requireNonNull(candidates, "candidates");
        }

        public EapSetup compat(Compat c) {
            return Records.with(this, "compat", c);
        }

        public EapSetup lossSpace(Preserve.LossSpace space) {
            return Records.with(this, "lossSpace", space);
        }

        public EapSetup candidates(Candidates source) {
            return Records.with(this, "candidates", source);
        }

        public EapSetup piLearningRate(double lr) {
            return Records.with(this, "piLearningRate", lr);
        }

        @Override
        public Erasure apply(Erasure base, ShapeWorldBench.EraseSet set) {
            if (candidates != Candidates.KEPT) { // the official selection on a vocabulary
                List<String> vocabulary = candidates == Candidates.WORLD_WORDS ? set.worldWords()
                        : captions(set.worldWords(), set.erasedWords());
                return base.vocabulary(Vocabulary.of(vocabulary)).compat(compat)
                        .preserve(Preserve.adversarial(ShapeWorldMethods.candidates(set)).kClosest(12).lossSpace(lossSpace)
                                .learningRate(piLearningRate));
            }
            List<String> kept = set.kept().stream().map(Concept::word).toList();
            int n = set.erased().size();
            int k = Math.max(n, Math.min(ShapeWorldMethods.candidates(set), kept.size()) / n * n);
            return base.vocabulary(Vocabulary.of(kept)).compat(compat)
                    .preserve(Preserve.adversarial(k).kClosest(kept.size()).lossSpace(lossSpace).learningRate(piLearningRate));
        }
    }

    /**
     * UCE (§3, the EAP-era full-sequence variant) with the kept concepts' prompts as its preserve set:
     * without one, UCE's closed form drags the look-alikes along (measured: ring and heart 0 % after
     * erasing circle).
     */
    public static final Setup UCE = (base, set) -> base.method(Methods.uce().preserve(set.keptPrompts().toArray(String[]::new)));

    /** Anchor prompts of Concept Ablation on ShapeWorld: captions whose shape is the anchor word "shape". */
    public static final List<String> CA_ANCHORS = List.of("a shape", "a red shape", "a green shape", "a blue shape",
            "a yellow shape", "a purple shape", "an orange shape", "a shape on a dark background",
            "a shape on a light background", "a solid shape", "an outlined shape");

    /**
     * Concept Ablation (§4), object mode with the anchor word "shape": the erased prompt is mapped to
     * the model's own prediction for a shape of the world's captions ({@link #CA_ANCHORS}); 64 anchor
     * images (the paper: 1000) and the bench's lr 1e-3 (at 1e-4, 100 iterations erase nothing here).
     */
    public static final Setup CA = (base, set) -> base.method(Methods.conceptAblation().object("shape")
            .anchorPrompts(CA_ANCHORS).anchorImages(64));


    /**
     * AdvUnlearn (§5): the text encoder is trained against the prefix attack with the kept concepts'
     * prompts as the retain set; warm-up 20 iterations and 5 attack steps (the paper: 200 and 30 of
     * 1000 iterations), the bench's lr.
     */
    public static final Setup ADV_UNLEARN = (base, set) -> base.method(Methods.advUnlearn().retain(set.keptPrompts())
            .warmup(20).attackSteps(5));

    /**
     * AdvAnchor (§6), one concept only (as in its paper): the anchor is the concept's own prompt plus δ
     * and the kept generic prompt is "a shape" ({@code prompts("{}", "{}", "a shape")}); the training images
     * (θ updates = min(iterations, images)) left uncapped, so the bench's iterations, the frontier's strength,
     * set them (the paper's 51 is for SD; a cap of 100 made 200 and 400 iterations the same run), 10 inner δ
     * steps at δ lr 1e-2, images at the world's guidance 3, with {@link Compat#CORRECTED} gradients. Measured on "circle" (16 images per shape): the official
     * never-zeroed gradients at lr 1e-3 wipe out every shape; δ lr 1e-4 (the README's) barely moves δ
     * in 10 steps and erases nothing.
     */
    public static final Setup ADV_ANCHOR = (base, set) -> base.compat(Compat.CORRECTED).method(Methods.advAnchor()
            .prompts("{}", "{}", "a shape").images(Integer.MAX_VALUE).innerSteps(10).imageGuidance(3).deltaLearningRate(1e-2));

    private ShapeWorldMethods() {
    }

    /** The captions of {@link CaptionGrammar#phrases()} that name only {@code world} words and none of {@code erased}. */
    static List<String> captions(List<String> world, List<String> erased) {
        return CaptionGrammar.phrases().stream().filter(p -> {
            Mentions m = CaptionGrammar.parse(p);
            return Stream.of(m.shape(), m.colour(), m.style(), m.background()).filter(Objects::nonNull).map(Worded::word)
                    .allMatch(w -> world.contains(w) && !erased.contains(w));
        }).toList();
    }

    /** K for EAP: 4, rounded up to a multiple of the number of erased concepts. */
    static int candidates(ShapeWorldBench.EraseSet set) {
        int n = set.erased().size();
        return (4 + n - 1) / n * n;
    }

    /** original, ESD, ESD + neutral, EAP (official and corrected): the rows of the seed paper's Table 1. */
    public static Map<String, Setup> standard() {
        Map<String, Setup> m = new LinkedHashMap<>();
        m.put("original", ORIGINAL);
        m.put("ESD", ESD);
        m.put("ESD + neutral", NEUTRAL);
        m.put("EAP", EAP);
        m.put("EAP (corrected)", EAP_CORRECTED);
        return m;
    }

    /** {@link #standard()} and UCE, Concept Ablation and AdvUnlearn, the other seed methods. */
    public static Map<String, Setup> all() {
        Map<String, Setup> m = standard();
        m.put("UCE", UCE);
        m.put("CA", CA);
        m.put("AdvUnlearn", ADV_UNLEARN);
        return m;
    }

    /**
     * {@link #all()} and the EAP variants of issue #18's study, all corrected: "EAP (corrected, kept)" (the
     * kept concepts as candidates, official x0-space losses) and "EAP (corrected, epsilon, kept)" (also ε-space losses).
     */
    public static Map<String, Setup> withEapVariants() {
        Map<String, Setup> m = all();
        EapSetup kept = eap().compat(Compat.CORRECTED).candidates(Candidates.KEPT);
        m.put("ESD (corrected)", ESD_CORRECTED);
        m.put("EAP (corrected, kept)", kept);
        m.put("EAP (corrected, epsilon, kept)", kept.lossSpace(Preserve.LossSpace.EPSILON));
        EapSetup captions = eap().compat(Compat.CORRECTED).candidates(Candidates.CAPTIONS);
        m.put("EAP (corrected, captions)", captions);
        m.put("EAP (corrected, epsilon, captions)", captions.lossSpace(Preserve.LossSpace.EPSILON));
        m.put("EAP (corrected, pi lr 0.1)", eap().compat(Compat.CORRECTED).piLearningRate(0.1));
        return m;
    }

    /** {@link #all()} and AdvAnchor, which erases one concept at a time: for erase sets of one concept. */
    public static Map<String, Setup> singleConcept() {
        Map<String, Setup> m = all();
        m.put("AdvAnchor", ADV_ANCHOR);
        return m;
    }
}
