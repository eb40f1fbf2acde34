package dev.erasure.eval.judge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * One image's softmax over the classifier's categories, with top-k by name as methods.md §7.3
 * matches them: a label ("Cassette Player") is among the top k when it equals one of their
 * category names ignoring case.
 */
public record Classification(float[] probs, List<String> categories) {

    /** A class with its rank's probability. */
    public record Ranked(int index, String name, float prob) {
    }

    public Classification {
        if (probs.length != categories.size()) {
            throw new IllegalArgumentException(probs.length + " probabilities for " + categories.size() + " category names");
        }
    }

    /** The k most probable classes, largest first (torch.topk order; ties by lower index). */
    public List<Ranked> top(int k) {
        if (k <= 0 || k > probs.length) throw new IllegalArgumentException("k must be 1.." + probs.length + ", got " + k);
        List<Ranked> out = new ArrayList<>();
        IntStream.range(0, probs.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -probs[i]).thenComparingInt(i -> i))
                .limit(k).forEach(i -> out.add(new Ranked(i, categories.get(i), probs[i])));
        return out;
    }

    /** Whether {@code label} names one of the top k classes (case-insensitive, surrounding spaces ignored). */
    public boolean inTopK(String label, int k) {
        String want = label.strip().toLowerCase(Locale.ROOT);
        return top(k).stream().anyMatch(r -> r.name().toLowerCase(Locale.ROOT).equals(want));
    }
}
