package dev.erasure.toy;

import dev.erasure.io.Records;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a frontier run of the ShapeWorld bench traces ({@link ShapeWorldBench#frontier}): every method's
 * trade-off curve over its strength, erasure iterations per erased concept, on every erase set and
 * erasure seed, and PSR-1 read off each curve at the matched ESR-1 levels {@code esrTargets}.
 *
 * <p>The erasure seeds are shared by all methods (seed s of ESD and of EAP start from the same
 * random stream), and image i of every prompt uses sampling seed i in every model, as in the bench.
 *
 * @param iterations         the strengths of every method without its own list (erasure iterations per erased concept)
 * @param iterationsByMethod per-method strengths overriding {@code iterations} (e.g. EAP needs more iterations than ESD)
 * @param seeds              the erasure seeds (at least 2 for a spread over seeds)
 * @param esrTargets         the ESR-1 levels (%) at which PSR-1 is compared
 * @param reference          the method every other one is paired with at matched ESR-1 ("Δ PSR-1 vs ..."); null: the
 *                           first method with a strength, in the bench's order
 */
public record Frontier(List<Integer> iterations, Map<String, List<Integer>> iterationsByMethod, List<Long> seeds,
                       List<Double> esrTargets, String reference) {
    public Frontier {
        iterations = positive("iterations", iterations);
        Map<String, List<Integer>> copy = new LinkedHashMap<>();
        iterationsByMethod.forEach((m, s) -> copy.put(m, positive("iterations of '" + m + "'", s)));
        iterationsByMethod = Collections.unmodifiableMap(copy);
        if (seeds.isEmpty()) throw new IllegalArgumentException("a frontier needs at least one erasure seed");
        if (seeds.stream().distinct().count() != seeds.size()) throw new IllegalArgumentException("erasure seeds repeat: " + seeds);
        seeds = List.copyOf(seeds);
        for (double t : esrTargets) {
            if (!(t >= 0 && t <= 100)) throw new IllegalArgumentException("a target ESR must be in 0..100 (%), got " + t);
        }
        esrTargets = List.copyOf(esrTargets);
    }

    /** 25, 50 and 100 iterations per erased concept, erasure seeds 1 and 2, PSR-1 at ESR-1 80, 90 and 95 %. */
    public static Frontier standard() {
        return new Frontier(List.of(25, 50, 100), Map.of(), List.of(1L, 2L), List.of(80.0, 90.0, 95.0), null);
    }

    /** The method the others are paired with at matched ESR-1, e.g. {@code reference("ESD (corrected)")} beside EAP (corrected). */
    public Frontier reference(String method) {
        return Records.with(this, "reference", method);
    }

    /** The strengths (iterations per erased concept) of every method without its own list. */
    public Frontier iterations(int... perConcept) {
        return Records.with(this, "iterations", Arrays.stream(perConcept).boxed().toList());
    }

    /** The strengths of one method (by its bench name), e.g. {@code iterations("EAP (corrected)", 100, 200, 400)}. */
    public Frontier iterations(String method, int... perConcept) {
        Map<String, List<Integer>> m = new LinkedHashMap<>(iterationsByMethod);
        m.put(method, Arrays.stream(perConcept).boxed().toList());
        return Records.with(this, "iterationsByMethod", m);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterations(int...)}, the θ updates per erased concept. */
    @Deprecated
    public Frontier steps(int... perConcept) {
        return iterations(perConcept);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterations(String, int...)}. */
    @Deprecated
    public Frontier steps(String method, int... perConcept) {
        return iterations(method, perConcept);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterations()}. */
    @Deprecated
    public List<Integer> steps() {
        return iterations;
    }

    /** @deprecated "steps" meant several things; this is {@link #iterationsByMethod()}. */
    @Deprecated
    public Map<String, List<Integer>> stepsByMethod() {
        return iterationsByMethod;
    }

    public Frontier seeds(long... erasureSeeds) {
        return Records.with(this, "seeds", Arrays.stream(erasureSeeds).boxed().toList());
    }

    public Frontier esrTargets(double... percent) {
        return Records.with(this, "esrTargets", Arrays.stream(percent).boxed().toList());
    }

    /** The strengths of {@code method}: its own list, else {@link #iterations()}. */
    public List<Integer> iterationsOf(String method) {
        return iterationsByMethod.getOrDefault(method, iterations);
    }

    /** @deprecated "steps" meant several things; this is {@link #iterationsOf(String)}. */
    @Deprecated
    public List<Integer> stepsOf(String method) {
        return iterationsOf(method);
    }

    private static List<Integer> positive(String what, List<Integer> values) {
        if (values.isEmpty()) throw new IllegalArgumentException(what + ": a curve needs at least one strength");
        for (int v : values) {
            if (v < 1) throw new IllegalArgumentException(what + " must be >= 1 iteration per concept, got " + v);
        }
        if (values.stream().distinct().count() != values.size()) throw new IllegalArgumentException(what + " repeat: " + values);
        return List.copyOf(values);
    }
}
