package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.progress.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UCE on the tiny fixture: exactly the attn2 K/V tensors change, the edit solves the normal
 * equations of methods.md §3 (rebuilt here independently in float64 from the text states), and an
 * empty erase set leaves the weights unchanged.
 */
class UceTest extends TinyModels {

    @Test
    void refusesTheOptionsItDoesNotUseNamingBoth() {
        IllegalArgumentException preserve = assertThrows(IllegalArgumentException.class, () -> Erasure.of(sd).target("Van Gogh")
                .preserve(Preserve.adversarial(50)).method(Methods.uce()).run());
        assertTrue(preserve.getMessage().contains("preserve(") && preserve.getMessage().contains("UCE"), preserve.getMessage());
        IllegalArgumentException train = assertThrows(IllegalArgumentException.class, () -> Erasure.of(sd).target("Van Gogh")
                .train(Params.nonCrossAttention()).method(Methods.uce()).run());
        assertTrue(train.getMessage().contains("train(") && train.getMessage().contains("UCE"), train.getMessage());
    }

    @Test
    void editsExactlyTheCrossAttentionKeysAndValues() {
        try (ErasureResult r = Erasure.of(sd).target("Van Gogh").method(Methods.uce()).run()) {
            List<String> kv = Uce.EDITED.select(model.unetWeights().keys());
            assertFalse(kv.isEmpty());
            assertTrue(kv.stream().allMatch(k -> k.contains("attn2.to_k") || k.contains("attn2.to_v")), kv.toString());
            assertEquals(new TreeSet<>(kv), new TreeSet<>(r.changedTensors().keySet()));
            for (String k : model.unetWeights().keys()) {
                float[] before = model.unetWeights().get(k).toFloatArray();
                float[] after = r.model().unet().weights().get(k).toFloatArray();
                if (kv.contains(k)) {
                    assertFalse(Arrays.equals(before, after), k + " was not edited");
                } else {
                    assertArrayEquals(before, after, k + " must be bit-identical");
                }
            }
            assertEquals("UCE", r.method());
            assertFalse(r.cancelled());
        }
    }

    @Test
    void solvesItsNormalEquationsInEveryVariant() {
        check(Methods.uce(), List.of("Van Gogh", "church"));
        check(Methods.uce().technique(Uce.Technique.REPLACE).guides("a painting", "a building").preserve("", "tree", "a dog"),
                List.of("Van Gogh", "church"));
        check(Methods.uce().expandPrompts(Uce.Expand.ART).lambda(0.1), List.of("Van Gogh"));
        check(Methods.uce().variant(Uce.Variant.LAST_TOKEN).preserve("tree").guides("art"), List.of("Van Gogh", "church"));
        check(Uce.current(), List.of("church"));
    }

    @Test
    void emptyEraseSetLeavesWeightsUnchanged() {
        for (Uce u : List.of(Methods.uce(), Uce.current(), Methods.uce().preserve())) {
            try (NDManager m = model.manager().newSubManager()) {
                Map<String, NDArray> edited = u.edit(model, List.of(), m, ProgressListener.NONE);
                assertEquals(Uce.EDITED.select(model.unetWeights().keys()).size(), edited.size());
                edited.forEach((k, w) -> {
                    float[] a = model.unetWeights().get(k).toFloatArray();
                    float[] b = w.toFloatArray();
                    double max = 0;
                    double diff = 0;
                    for (int i = 0; i < a.length; i++) {
                        max = Math.max(max, Math.abs(a[i]));
                        diff = Math.max(diff, Math.abs(a[i] - b[i]));
                    }
                    assertTrue(diff <= 1e-5 * max, u + ": " + k + " moved by " + diff);
                });
            }
        }
    }

    @Test
    void optionsAreImmutableAndValidated() {
        Uce base = Methods.uce();
        base.lambda(2).technique(Uce.Technique.REPLACE);
        assertEquals(0.5, base.lambda());
        assertEquals(Uce.Technique.TENSOR, base.technique());
        assertEquals(Uce.Variant.FULL_SEQUENCE, base.variant());
        assertThrows(IllegalArgumentException.class,
                () -> Erasure.of(sd).targets("a", "b", "c").method(Methods.uce().guides("x", "y")).run());
        assertThrows(IllegalArgumentException.class, () -> Erasure.of(sd).target("a").method(Methods.uce().lambda(0)).run());
    }

    /** Rebuilds M1, M2 of §3 for every edited W and checks ‖W_new M2 − M1‖_F ≤ 1e-4 ‖M1‖_F. */
    private static void check(Uce u, List<String> targets) {
        try (NDManager m = model.manager().newSubManager()) {
            Map<String, NDArray> edited = u.edit(model, targets, m, ProgressListener.NONE);
            for (Map.Entry<String, NDArray> e : edited.entrySet()) {
                double[][] w = matrix(model.unetWeights().get(e.getKey()));
                double[][][] sys = System3.build(u, targets, w);
                double[][] wNew = matrix(e.getValue());
                double[][] r = System3.sub(System3.mul(wNew, sys[1]), sys[0]);
                double rel = System3.norm(r) / System3.norm(sys[0]);
                assertTrue(rel <= 1e-4, u + " " + e.getKey() + ": relative residual " + rel);
            }
        }
    }

    static double[][] matrix(NDArray a) {
        int rows = (int) a.getShape().get(0);
        int cols = (int) a.getShape().get(1);
        float[] v = a.toFloatArray();
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[i][j] = v[i * cols + j];
        return out;
    }

    /** The linear system of methods.md §3, in plain float64 Java. */
    private static final class System3 {
        static double[][][] build(Uce u, List<String> targets, double[][] w) {
            int dim = w[0].length;
            double[][] m1 = scale(w, u.lambda());
            double[][] m2 = scale(eye(dim), u.lambda());
            List<String> guides = u.guidesOrDefault();
            List<String> templates = templatesOf(u);
            for (int i = 0; i < targets.size(); i++) {
                String g = guides.size() == 1 ? guides.get(0) : guides.get(i);
                List<String> texts = new ArrayList<>();
                texts.add(targets.get(i));
                for (String t : templates) texts.add(String.format(t, targets.get(i)));
                for (String o : texts) {
                    double[][][] cn = pair(u, o, g);
                    double[][] c = cn[0];
                    double[][] v = mul(cn[1], transpose(w));
                    if (u.technique() == Uce.Technique.TENSOR) {
                        double[][] old = mul(c, transpose(w));
                        double[][] unit = scale(old, 1 / norm(old));
                        v = sub(v, scale(unit, dot(unit, v)));
                    }
                    m1 = add(m1, scale(mul(transpose(v), c), u.eraseScale()));
                    m2 = add(m2, scale(mul(transpose(c), c), u.eraseScale()));
                }
            }
            List<String> keep = u.retainOrDefault();
            double sp = u.preserveScaleOrDefault(keep);
            for (String r : keep) {
                double[][] c = rows(u, r);
                m1 = add(m1, scale(mul(transpose(mul(c, transpose(w))), c), sp));
                m2 = add(m2, scale(mul(transpose(c), c), sp));
            }
            return new double[][][] {m1, m2};
        }

        static List<String> templatesOf(Uce u) {
            if (u.expand() == Uce.Expand.ART) return List.of("painting by %s", "art by %s", "artwork by %s", "picture by %s", "style of %s");
            if (u.expand() == Uce.Expand.OBJECT) return List.of("image of %s", "photo of %s", "portrait of %s", "picture of %s", "painting of %s");
            return List.of();
        }

        private static final Map<String, double[][]> STATES = new HashMap<>();

        static double[][] states(String s) {
            return STATES.computeIfAbsent(s, k -> {
                NDArray t = model.encode(List.of(k));
                double[][] out = matrix(t.get(0));
                t.close();
                return out;
            });
        }

        static double[][][] pair(Uce u, String o, String g) {
            double[][] to = states(o);
            double[][] tg = states(g);
            int no = model.tokenCount(o) - 2;
            int ng = model.tokenCount(g) - 2;
            if (u.variant() == Uce.Variant.LAST_TOKEN) return new double[][][] {{to[no]}, {tg[ng]}};
            int f = Math.max(no, ng);
            int rows = to.length - f;
            double[][] c = new double[rows][];
            double[][] n = new double[rows][];
            for (int j = 0; j < rows; j++) {
                c[j] = to[no + j];
                n[j] = tg[ng + j];
            }
            return new double[][][] {c, n};
        }

        static double[][] rows(Uce u, String r) {
            double[][] t = states(r);
            return u.variant() == Uce.Variant.LAST_TOKEN ? new double[][] {t[model.tokenCount(r) - 2]} : t;
        }

        static double[][] eye(int n) {
            double[][] e = new double[n][n];
            for (int i = 0; i < n; i++) e[i][i] = 1;
            return e;
        }

        static double[][] mul(double[][] a, double[][] b) {
            double[][] c = new double[a.length][b[0].length];
            for (int i = 0; i < a.length; i++) {
                for (int k = 0; k < b.length; k++) {
                    double x = a[i][k];
                    for (int j = 0; j < b[0].length; j++) c[i][j] += x * b[k][j];
                }
            }
            return c;
        }

        static double[][] transpose(double[][] a) {
            double[][] t = new double[a[0].length][a.length];
            for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
            return t;
        }

        static double[][] scale(double[][] a, double s) {
            double[][] c = new double[a.length][a[0].length];
            for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) c[i][j] = a[i][j] * s;
            return c;
        }

        static double[][] add(double[][] a, double[][] b) {
            double[][] c = new double[a.length][a[0].length];
            for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) c[i][j] = a[i][j] + b[i][j];
            return c;
        }

        static double[][] sub(double[][] a, double[][] b) {
            return add(a, scale(b, -1));
        }

        static double dot(double[][] a, double[][] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) s += a[i][j] * b[i][j];
            return s;
        }

        static double norm(double[][] a) {
            return Math.sqrt(dot(a, a));
        }
    }
}
