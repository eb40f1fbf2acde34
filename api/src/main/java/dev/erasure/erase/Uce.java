package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.erasure.core.Params;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * UCE, Unified Concept Editing (methods.md §3): a closed-form edit of the 32 cross-attention
 * projections {@code attn2.to_k} / {@code attn2.to_v}; no optimiser, no noise. For every such W
 * (solved independently from its original value):
 * <pre>
 * W_new = (λW + s_e Σ_erase v c_eᵀ + s_p Σ_retain W c_r c_rᵀ) · (λI + s_e Σ_erase c_e c_eᵀ + s_p Σ_retain c_r c_rᵀ)⁻¹
 * </pre>
 * where the c are text-state rows and v the target values (guide concept's values, {@link Technique}).
 * {@link Variant#FULL_SEQUENCE} is the version EAP ran (§3.1, aligned rows from the last word token
 * on); {@link Variant#LAST_TOKEN} the current one (§3.2, one row per concept). The solve runs in
 * float64 and the result is cast to the model's dtype.
 *
 * <p>Defaults = EAP's UCE baseline (§9 item 12): full sequence, technique {@code tensor}, guide " ",
 * retain [""] with preserve scale 1 (= max(0.1, 1/#retain)), λ 0.5, erase scale 1. A record: every
 * option returns a new one.
 */
public record Uce(Variant variant, Technique technique, List<String> guides, List<String> retain, Double preserveScale,
                  double eraseScale, double lambda, Expand expand) implements Method {
    /** Which text-state rows represent a concept. */
    public enum Variant {
        /** EAP / UCE commit 35e91e2: rows n(s)..end, erase and guide aligned so their last word tokens pair up. */
        FULL_SEQUENCE,
        /** Current UCE: the single row of the last word token, T(s)[n(s)] (BOS row for ""). */
        LAST_TOKEN
    }

    /** How an erased concept's target values are made from its guide. */
    public enum Technique {
        /** v = W n (the guide's own values). */
        REPLACE,
        /** v = T − ⟨U,T⟩_F U with T = N Wᵀ, U = O/‖O‖_F, O = C Wᵀ: the guide's values minus their part along the old values. */
        TENSOR
    }

    /** The official {@code --add_prompts}/{@code --expand_prompts} templates, each mapped to the same guide. */
    public enum Expand {
        NONE(List.of()),
        OBJECT(List.of("image of %s", "photo of %s", "portrait of %s", "picture of %s", "painting of %s")),
        ART(List.of("painting by %s", "art by %s", "artwork by %s", "picture by %s", "style of %s"));

        private final List<String> templates;

        Expand(List<String> templates) {
            this.templates = templates;
        }
    }

    /** The edited tensors: K and V of every cross-attention. */
    public static final Params EDITED = Params.crossAttentionKeyValue();

    /**
     * Validates every option once, naming it; null {@code guides}, {@code retain} and
     * {@code preserveScale} mean the variant's defaults (see the class comment).
     */
    public Uce {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(technique, "technique");
        Objects.requireNonNull(expand, "expand");
        if (guides != null) {
            guides = List.copyOf(guides);
            if (guides.isEmpty()) throw new IllegalArgumentException("guides must hold at least one guide concept");
        }
        if (retain != null) retain = List.copyOf(retain);
        if (preserveScale != null && !(preserveScale >= 0 && preserveScale < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("preserveScale must be a finite number ≥ 0, got " + preserveScale);
        }
        if (!(eraseScale >= 0) || Double.isInfinite(eraseScale)) {
            throw new IllegalArgumentException("eraseScale must be a finite number ≥ 0, got " + eraseScale);
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number > 0 (it keeps the system invertible), got " + lambda);
        }
    }

    /** EAP's UCE baseline configuration (see the class comment). */
    public static Uce eapBaseline() {
        return new Uce(Variant.FULL_SEQUENCE, Technique.TENSOR, null, null, null, 1, 0.5, Expand.NONE);
    }

    /** The current UCE script's defaults: last token, replace, guide "", no retain set, preserve scale 1. */
    public static Uce current() {
        return eapBaseline().variant(Variant.LAST_TOKEN).technique(Technique.REPLACE);
    }

    /** @deprecated the same as {@link #eapBaseline()} (or {@code Methods.uce()}): use that. */
    @Deprecated
    public static Uce defaults() {
        return eapBaseline();
    }

    public Uce variant(Variant v) {
        return Records.with(this, "variant", Objects.requireNonNull(v, "variant"));
    }

    public Uce technique(Technique t) {
        return Records.with(this, "technique", Objects.requireNonNull(t, "technique"));
    }

    /** Guide concepts: one for all targets, or one per target (default " " full sequence, "" last token). */
    public Uce guides(String... g) {
        return Records.with(this, "guides", List.of(g));
    }

    /** Concepts whose K/V outputs are kept (default [""] full sequence, none last token). */
    public Uce preserve(String... concepts) {
        return Records.with(this, "retain", List.of(concepts));
    }

    /** s_p (default max(0.1, 1/#retain) full sequence, 1 last token). */
    public Uce preserveScale(double s) {
        Finite.require("preserveScale", s);
        return Records.with(this, "preserveScale", s);
    }

    /** s_e (1). */
    public Uce eraseScale(double s) {
        Finite.require("eraseScale", s);
        return Records.with(this, "eraseScale", s);
    }

    /** λ, the pull towards the original weights (0.5). */
    public Uce lambda(double l) {
        Finite.require("lambda", l);
        return Records.with(this, "lambda", l);
    }

    public Uce expandPrompts(Expand e) {
        return Records.with(this, "expand", Objects.requireNonNull(e, "expand"));
    }

    /** A closed-form edit of the K/V projections from the targets alone: it reads none of the common options. */
    @Override
    public Set<Option> options() {
        return EnumSet.noneOf(Option.class);
    }

    @Override
    public String name() {
        return "UCE";
    }

    @Override
    public void validate(ErasureModel model, Settings settings) {
        int n = settings.targets().size();
        List<String> g = guidesOrDefault();
        if (g.size() != 1 && g.size() != n) {
            throw new IllegalArgumentException("UCE guides: give one guide or one per target (" + n + "), got " + g.size());
        }
        if (EDITED.select(model.unetWeights().keys()).isEmpty()) {
            throw new IllegalArgumentException("UCE: the UNet has no attn2.to_k / attn2.to_v tensors");
        }
    }

    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        if (resumeDir != null) throw new IllegalArgumentException("UCE is a closed-form edit; there is nothing to resume");
        long t0 = System.nanoTime();
        NDManager owner = model.manager().newSubManager();
        try {
            Map<String, NDArray> edited = edit(model, settings.targets(), owner, listener);
            return Outcome.edited(model, name(), settings, edited, owner, System.nanoTime() - t0);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /**
     * The edited K/V tensors (model dtype, attached to {@code into}) for these erase targets; with
     * no targets the system reduces to W_new = W (up to rounding).
     */
    public Map<String, NDArray> edit(ErasureModel model, List<String> targets, NDManager into, ProgressListener listener) {
        List<String[]> pairs = erasePairs(targets);
        List<String> keep = retainOrDefault();
        double sp = preserveScaleOrDefault(keep);
        List<String> keys = EDITED.select(model.unetWeights().keys());
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Task task = Task.start("UCE edit " + targets, keys.size(), listener); NDScope scope = new NDScope()) {
            List<NDArray[]> erase = new ArrayList<>();
            for (String[] p : pairs) erase.add(alignedRows(model, p[0], p[1]));
            List<NDArray> kept = new ArrayList<>();
            for (String r : keep) kept.add(rows(model, r));
            for (String key : keys) {
                NDArray original = model.unetWeights().get(key);
                NDArray w;
                try (NDScope inner = new NDScope()) {
                    w = solve(original.toType(DataType.FLOAT64, false), erase, kept, sp).toType(original.getDataType(), false);
                    NDScope.unregister(w);
                }
                w.attach(into);
                w.setName(key);
                out.put(key, w);
                task.step(1, Map.of(), key);
            }
        }
        return out;
    }

    /** W_new = M1 M2⁻¹ for one projection W [d,D] (float64). */
    private NDArray solve(NDArray w, List<NDArray[]> erase, List<NDArray> kept, double sp) {
        long dim = w.getShape().get(1);
        NDArray m1 = w.mul(lambda);
        NDArray m2 = w.getManager().eye((int) dim, (int) dim, 0, DataType.FLOAT64).mul(lambda);
        for (NDArray[] cn : erase) {
            NDArray c = cn[0];
            NDArray v = targetValues(w, c, cn[1]);
            m1 = m1.add(v.transpose().matMul(c).mul(eraseScale));
            m2 = m2.add(c.transpose().matMul(c).mul(eraseScale));
        }
        for (NDArray c : kept) {
            NDArray ctc = c.transpose().matMul(c).mul(sp);
            m1 = m1.add(w.matMul(ctc));
            m2 = m2.add(ctc);
        }
        return m1.matMul(m2.inverse());
    }

    /** Rows v_j of the values the erased rows c_j should map to, from the aligned guide rows n_j. */
    private NDArray targetValues(NDArray w, NDArray c, NDArray n) {
        NDArray guided = n.matMul(w.transpose());
        if (technique == Technique.REPLACE) return guided;
        NDArray old = c.matMul(w.transpose());
        NDArray u = old.div(old.square().sum().sqrt());
        return guided.sub(u.mul(u.mul(guided).sum()));
    }

    /** (erase text, guide text) pairs, templates expanded, each template mapped to its concept's guide. */
    private List<String[]> erasePairs(List<String> targets) {
        List<String> g = guidesOrDefault();
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            String guide = g.size() == 1 ? g.get(0) : g.get(i);
            pairs.add(new String[] {targets.get(i), guide});
            for (String t : expand.templates) pairs.add(new String[] {String.format(t, targets.get(i)), guide});
        }
        return pairs;
    }

    /** The erase and guide rows [m,D] (float64), paired row by row (§3.1 / §3.2). */
    private NDArray[] alignedRows(ErasureModel model, String erase, String guide) {
        NDArray states = model.encode(List.of(erase, guide)).toType(DataType.FLOAT64, false);
        int no = lastWordRow(model, erase);
        int ng = lastWordRow(model, guide);
        if (variant == Variant.LAST_TOKEN) {
            return new NDArray[] {states.get(new NDIndex("0, {}:{}", no, no + 1)), states.get(new NDIndex("1, {}:{}", ng, ng + 1))};
        }
        long len = states.getShape().get(1);
        int f = Math.max(no, ng);
        return new NDArray[] {states.get(new NDIndex("0, {}:{}", no, (int) (len - (f - no)))),
                states.get(new NDIndex("1, {}:{}", ng, (int) (len - (f - ng))))};
    }

    /** A retained concept's rows: the whole sequence, or its last word token. */
    private NDArray rows(ErasureModel model, String text) {
        NDArray states = model.encode(List.of(text)).toType(DataType.FLOAT64, false).get(0);
        if (variant == Variant.FULL_SEQUENCE) return states;
        int n = lastWordRow(model, text);
        return states.get(new NDIndex("{}:{}", n, n + 1));
    }

    /** n(s): tokens incl. BOS/EOS minus 2 = the row of the last word token (0, the BOS row, for ""). */
    static int lastWordRow(ErasureModel model, String text) {
        return model.tokenCount(text) - 2;
    }

    List<String> guidesOrDefault() {
        return guides != null ? guides : List.of(variant == Variant.FULL_SEQUENCE ? " " : "");
    }

    List<String> retainOrDefault() {
        return retain != null ? retain : variant == Variant.FULL_SEQUENCE ? List.of("") : List.of();
    }

    double preserveScaleOrDefault(List<String> keep) {
        if (preserveScale != null) return preserveScale;
        if (variant == Variant.LAST_TOKEN || keep.isEmpty()) return 1;
        return Math.max(0.1, 1.0 / keep.size());
    }
}
