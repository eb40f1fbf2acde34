package dev.erasure.sweep;

import dev.erasure.ErasureResult;
import dev.erasure.erase.StepRecord;
import dev.erasure.eval.Sensitivity;
import dev.erasure.sd.StableDiffusion;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** A number measured on a finished erasure run: one column of a sweep's table. */
public interface Metric {
    String name();

    double evaluate(ErasureResult result);

    static Metric of(String name, ToDoubleFunction<ErasureResult> f) {
        return new Metric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double evaluate(ErasureResult result) {
                return f.applyAsDouble(result);
            }
        };
    }

    /** The last θ-update value of the history's "loss" column (NaN when the run recorded none). */
    static Metric finalLoss() {
        return finalLoss("loss");
    }

    /** The last θ-update value of a named loss ("loss", "erase", "preserve"). */
    static Metric finalLoss(String lossName) {
        return of("final_" + lossName, r -> {
            List<? extends StepRecord> rs = r.records();
            for (int i = rs.size() - 1; i >= 0; i--) {
                Double v = rs.get(i).losses().get(lossName);
                if (v != null && rs.get(i).updatesModel()) return v;
            }
            return Double.NaN;
        });
    }

    /** Wall time of the run in seconds. */
    static Metric seconds() {
        return of("seconds", r -> r.elapsed().toNanos() / 1e9);
    }

    /** Any number computed from the erased pipeline ({@code result.model()}). */
    static Metric onModel(String name, ToDoubleFunction<StableDiffusion> f) {
        return of(name, r -> f.applyAsDouble(r.model()));
    }

    /**
     * Mean δ (score drop) over {@code concepts}, with the Sensitivity the function builds for the
     * erased model, e.g. {@code m -> Sensitivity.of(sd, m).scorer(ImageScorer.clip(clip)).samplingSteps(25)}:
     * high on the target = erased, low on other concepts = preserved.
     */
    static Metric meanDelta(String name, Function<StableDiffusion, Sensitivity> sensitivity, List<String> concepts) {
        return onModel(name, m -> mean(sensitivity.apply(m).over(concepts), "delta_mean"));
    }

    /** Mean noise-prediction cosine between {@code original} and the erased model over {@code concepts}. */
    static Metric meanNoiseCosine(String name, StableDiffusion original, List<String> concepts) {
        return onModel(name, m -> mean(Sensitivity.noisePredictions(original, m).over(concepts), "cosine"));
    }

    private static double mean(Table t, String column) {
        return t.doubleColumn(column).mean();
    }
}
