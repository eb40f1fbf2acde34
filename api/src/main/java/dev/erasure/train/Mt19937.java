package dev.erasure.train;

/**
 * numpy's legacy {@code RandomState} generator (MT19937 seeded with init_genrand), just enough of
 * it for scikit-learn's k-means++ with {@code random_state=0}: {@link #randomSample()} (53-bit
 * doubles, numpy's {@code random_sample}) and {@link #randint(long)} (masked rejection, numpy's
 * legacy {@code randint}).
 */
public final class Mt19937 {
    private final int[] mt = new int[624];
    private int mti;

    public Mt19937(long seed) {
        mt[0] = (int) seed;
        for (mti = 1; mti < 624; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    public int nextInt32() {
        if (mti >= 624) {
            for (int kk = 0; kk < 624; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % 624] & 0x7fffffff);
                mt[kk] = mt[(kk + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            mti = 0;
        }
        int y = mt[mti++];
        y ^= (y >>> 11);
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= (y >>> 18);
        return y;
    }

    public double randomSample() {
        long a = (nextInt32() & 0xffffffffL) >>> 5;
        long b = (nextInt32() & 0xffffffffL) >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** Integer in [0, n) as numpy's legacy {@code RandomState.randint(n)} for n ≤ 2^32. */
    public long randint(long n) {
        long rng = n - 1;
        if (rng == 0) return 0;
        long mask = rng;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long val;
        do {
            val = (nextInt32() & 0xffffffffL) & mask;
        } while (val > rng);
        return val;
    }
}
