package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.erasure.core.Compat;
import dev.erasure.core.Vocabulary;
import dev.erasure.sd.Conditioning;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * EAP's candidate (adversarial search) set for one erased concept, methods.md §2.1:
 * similarity(v) = −‖vec E(w) − vec E(v)‖₂ over the full [77,D] text states of the bare words (on
 * SDXL with the pooled embedding appended: {@link #vectors});
 * words sorted by similarity (descending, stable); words with a character outside a–z, '&lt;',
 * '/', '&gt;', ' ' dropped; the first {@code kClosest} kept; 1-D K-means ({@link KMeans1D},
 * scikit-learn semantics, random_state 0) on their similarity values; for each centre the word
 * whose similarity is closest (earlier word on ties); duplicates removed. K ≤ 0 or
 * kClosest ≤ K keeps the kClosest words directly.
 *
 * <p>{@link #table()} shows why each word was chosen: its rank, similarity, cluster and centre.
 */
public final class CandidateSet {
    private static final int BATCH = 64;

    /** One pool word: rank in the sorted pool, similarity, its K-means cluster, whether chosen. */
    public record Entry(int rank, String word, double similarity, int cluster, double centre, boolean chosen) {
    }

    private final String concept;
    private final List<Entry> pool;
    private final List<String> chosen;
    private final double[] centres;

    private CandidateSet(String concept, List<Entry> pool, List<String> chosen, double[] centres) {
        this.concept = concept;
        this.pool = pool;
        this.chosen = chosen;
        this.centres = centres;
    }

    /**
     * Builds the set for {@code concept}; encodes the vocabulary in batches (no gradient). With
     * {@link Compat#CORRECTED} the erased concepts ({@code targets}) are dropped from the candidates
     * (methods.md §9.3: the official code keeps them, so a target can be "preserved" while erased,
     * and in a joint erasure the other targets can be too). Words are dropped when they equal a target
     * up to case and whitespace, i.e. when the lower-casing CLIP tokenizer gives them the same ids.
     */
    public static CandidateSet build(ErasureModel model, String concept, Vocabulary vocabulary,
                                     int kClosest, int numCentres, Compat compat, List<String> targets) {
        List<String> words = vocabulary.words();
        if (compat == Compat.CORRECTED) {
            Set<String> erased = new HashSet<>();
            for (String t : targets) erased.add(normalised(t));
            words = words.stream().filter(w -> !erased.contains(normalised(w))).toList();
        }
        double[] sim = similarities(model, concept, words, compat == Compat.OFFICIAL ? 1e-6f : 0f);
        return select(concept, words, sim, kClosest, numCentres);
    }

    private static String normalised(String word) {
        return word.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The selection steps on given similarities (testable without a model). */
    public static CandidateSet select(String concept, List<String> words, double[] similarity, int kClosest, int numCentres) {
        Integer[] order = IntStream.range(0, words.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -similarity[i]));
        Map<String, Double> sorted = new LinkedHashMap<>(); // python dict keyed by word: first position wins
        for (int i : order) {
            String w = words.get(i);
            if (Vocabulary.isPlainWord(w)) sorted.putIfAbsent(w, similarity[i]);
        }
        List<String> top = new ArrayList<>(sorted.keySet()).subList(0, Math.min(kClosest, sorted.size()));
        double[] x = top.stream().mapToDouble(sorted::get).toArray();
        if (numCentres <= 0 || top.size() <= numCentres) {
            List<Entry> pool = new ArrayList<>();
            for (int r = 0; r < top.size(); r++) pool.add(new Entry(r, top.get(r), x[r], r, x[r], true));
            return new CandidateSet(concept, pool, List.copyOf(top), x);
        }
        KMeans1D.Result km = KMeans1D.fit(x, numCentres, 0);
        LinkedHashMap<String, Integer> picked = new LinkedHashMap<>();
        for (int c = 0; c < km.centres().length; c++) {
            double centre = km.centres()[c];
            int best = -1;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < x.length; r++) {
                if (Math.abs(x[r] - centre) < Math.abs(bestSim - centre)) {
                    bestSim = x[r];
                    best = r;
                }
            }
            picked.putIfAbsent(top.get(best), c);
        }
        List<Entry> pool = new ArrayList<>();
        for (int r = 0; r < top.size(); r++) {
            int cl = km.labels()[r];
            pool.add(new Entry(r, top.get(r), x[r], cl, km.centres()[cl], picked.containsKey(top.get(r))));
        }
        return new CandidateSet(concept, pool, List.copyOf(picked.keySet()), km.centres());
    }

    /**
     * −‖E(concept) − E(v) + eps‖₂ for every word (eps = 1e-6 is torch's
     * {@code F.pairwise_distance} default, which the official code used).
     */
    static double[] similarities(ErasureModel model, String concept, List<String> words, float eps) {
        double[] out = new double[words.size()];
        try (NDScope outer = new NDScope()) {
            NDArray t = vectors(model, List.of(concept));
            for (int s = 0; s < words.size(); s += BATCH) {
                try (NDScope scope = new NDScope()) {
                    List<String> batch = words.subList(s, Math.min(words.size(), s + BATCH));
                    NDArray e = vectors(model, batch);
                    float[] d = t.sub(e).add(eps).square().sum(new int[] {1}).sqrt().toFloatArray();
                    for (int i = 0; i < d.length; i++) out[s + i] = -d[i];
                }
            }
        }
        return out;
    }

    /**
     * One row per prompt: the conditioning the Gumbel mixture mixes, flattened: SD's [77,D] text states
     * (as the official code); SDXL's prompt embeddings followed by the pooled embedding of encoder 2, so
     * candidates are chosen on the same vectors EAP mixes (the time ids are the same for every prompt).
     */
    private static NDArray vectors(ErasureModel model, List<String> prompts) {
        Conditioning c = model.condition(prompts, model.defaultLatentSize());
        NDArray states = c.promptEmbeds().reshape(prompts.size(), -1);
        return c.pooled() == null ? states : states.concat(c.pooled().reshape(prompts.size(), -1), 1);
    }

    public String concept() {
        return concept;
    }

    /** The chosen words in cluster order (≤ K after de-duplication). */
    public List<String> words() {
        return chosen;
    }

    public int size() {
        return chosen.size();
    }

    public double[] centres() {
        return centres.clone();
    }

    public List<Entry> pool() {
        return pool;
    }

    /** The whole pool (the kClosest nearest words) with rank, similarity, cluster, centre and chosen flag. */
    public Table table() {
        return Table.create("candidates of '" + concept + "'",
                IntColumn.create("rank", pool.stream().mapToInt(Entry::rank).toArray()),
                StringColumn.create("word", pool.stream().map(Entry::word).toArray(String[]::new)),
                DoubleColumn.create("similarity", pool.stream().mapToDouble(Entry::similarity).toArray()),
                IntColumn.create("cluster", pool.stream().mapToInt(Entry::cluster).toArray()),
                DoubleColumn.create("centre", pool.stream().mapToDouble(Entry::centre).toArray()),
                BooleanColumn.create("chosen", pool.stream().map(Entry::chosen).toArray(Boolean[]::new)));
    }

    @Override
    public String toString() {
        return "CandidateSet('" + concept + "', " + chosen.size() + " of " + pool.size() + " nearest: " + chosen + ")";
    }
}
