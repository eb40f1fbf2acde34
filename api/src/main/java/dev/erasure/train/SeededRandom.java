package dev.erasure.train;

/**
 * The single source of randomness of a training run: SplitMix64, whose whole state is one
 * {@code long}, so a checkpoint can store it and a resumed run continues the exact stream.
 * Noise is generated here in Java (not by torch's global generator), which is what makes
 * "same seed, same weights" and "N iterations + resume + M iterations = N+M iterations" hold bit-exactly.
 */
public final class SeededRandom {
    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** The current state; {@code new SeededRandom(s)} continues the stream exactly. */
    public long state() {
        return state;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), unbiased (rejection). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        int bits;
        int val;
        do {
            bits = (int) (nextLong() >>> 33);
            val = bits % bound;
        } while (bits - val + (bound - 1) < 0);
        return val;
    }

    /** Uniform integer in [lo, hiExclusive). */
    public int nextInt(int lo, int hiExclusive) {
        return lo + nextInt(hiExclusive - lo);
    }

    /** {@code n} floats uniform in [0, 1) (the Gumbel noise source). */
    public float[] uniforms(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) nextDouble();
        return out;
    }

    /** {@code n} standard normal floats (Box–Muller, both values of each pair used). */
    public float[] gaussians(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
            double u2 = nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
        return out;
    }
}
