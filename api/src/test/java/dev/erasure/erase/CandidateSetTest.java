package dev.erasure.erase;

import dev.erasure.train.Mt19937;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** §2.1 selection: filter, k_closest, 1-D K-means with sklearn semantics, snapping, de-duplication. */
class CandidateSetTest {

    @Test
    void numpyRandomStateZeroStream() {
        Mt19937 r = new Mt19937(0);
        assertEquals(0.5488135039273248, r.randomSample(), 0);
        assertEquals(0.7151893663724195, r.randomSample(), 0);
        assertEquals(0.6027633760716439, r.randomSample(), 0);
        Mt19937 q = new Mt19937(0);
        long[] ints = new long[5];
        for (int i = 0; i < 5; i++) ints[i] = q.randint(10);
        assertArrayEquals(new long[] {5, 0, 3, 3, 7}, ints, "np.random.seed(0); randint(10, size=5)");
    }

    @Test
    void kmeansFindsSeparatedGroupsAndIsDeterministic() {
        double[] x = {-0.1, 0.0, 0.1, 5.0, 5.2, 4.9, 10.0, 10.1, 9.8, 10.3};
        KMeans1D.Result r = KMeans1D.fit(x, 3, 0);
        double[] c = r.centres().clone();
        Arrays.sort(c);
        assertEquals(0.0, c[0], 1e-12);
        assertEquals(5.033333333333333, c[1], 1e-12);
        assertEquals(10.05, c[2], 1e-12);
        assertEquals(r.labels()[0], r.labels()[2]);
        assertArrayEquals(r.centres(), KMeans1D.fit(x, 3, 0).centres(), 0);
        assertEquals(x.length, KMeans1D.fit(x, x.length, 0).centres().length);
    }

    @Test
    void selectionFiltersSortsClustersAndSnaps() {
        List<String> words = new ArrayList<>();
        List<Double> sims = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            words.add("w" + (char) ('a' + i % 26) + (char) ('a' + i / 26));
            sims.add(-Math.pow(i / 300.0, 2) * 10);
        }
        words.set(5, "mm-hmm"); // not a plain word: dropped even though it is among the nearest
        double[] s = sims.stream().mapToDouble(Double::doubleValue).toArray();
        CandidateSet set = CandidateSet.select("target", words, s, 200, 20);
        assertEquals(200, set.pool().size(), "k_closest after the filter");
        assertFalse(set.pool().stream().anyMatch(e -> e.word().equals("mm-hmm")));
        assertTrue(set.size() <= 20 && set.size() >= 15, "≤ K words after de-duplication: " + set.size());
        assertEquals(set.size(), set.pool().stream().filter(CandidateSet.Entry::chosen).count());
        double minSim = set.pool().stream().filter(CandidateSet.Entry::chosen).mapToDouble(CandidateSet.Entry::similarity).min().orElseThrow();
        assertTrue(minSim < set.pool().get(150).similarity(), "the set spans the whole pool, not only the nearest words");
        assertEquals(200, set.table().rowCount());
        for (double c : set.centres()) {
            CandidateSet.Entry nearest = set.pool().get(0);
            for (CandidateSet.Entry e : set.pool()) {
                if (Math.abs(e.similarity() - c) < Math.abs(nearest.similarity() - c)) nearest = e;
            }
            assertTrue(set.words().contains(nearest.word()), "the word nearest centre " + c + " is chosen");
        }
        CandidateSet direct = CandidateSet.select("target", words, s, 10, 50);
        assertEquals(10, direct.size(), "k_closest ≤ K keeps the k_closest words");
        assertEquals(words.get(0), direct.words().get(0));
    }
}
