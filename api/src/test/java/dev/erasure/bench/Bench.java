package dev.erasure.bench;

import java.util.Arrays;

/**
 * Benchmarks entry point ({@code ./erasure bench [name]}); each benchmark prints its own table.
 * Timings are medians over repeated runs after warm-up; see bench/README.md.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "sd" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (which) {
            case "sd":
                SdBench.main(rest);
                break;
            case "erase-memory":
                EraseMemoryBench.main(rest);
                break;
            case "erase-memory-real":
                RealSizeMemoryBench.main(rest);
                break;
            case "spectrum":
                SpectrumBench.main(rest);
                break;
            case "generate":
                GenerateBench.main(rest);
                break;
            case "compare":
                CompareBench.main(rest);
                break;
            case "load":
                LoadBench.main(rest);
                break;
            case "judges":
                JudgesBench.main(rest);
                break;
            case "threads":
                ThreadsBench.main(rest);
                break;
            case "conv":
                ConvFaultBench.main(rest);
                break;
            default:
                System.err.println("unknown benchmark '" + which + "' (available: sd, compare, generate, erase-memory, erase-memory-real, spectrum, load, judges, threads, conv)");
                System.exit(2);
        }
    }

    /** Median of {@code runs} timings (ms) of {@code body} after {@code warmup} untimed runs. */
    static double medianMillis(int warmup, int runs, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }
}
