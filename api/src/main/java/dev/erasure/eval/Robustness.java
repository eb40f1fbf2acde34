package dev.erasure.eval;

import dev.erasure.core.PromptSet;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.StableDiffusion;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;

/**
 * UnlearnDiffAtk attack-success rate over a prompt set (methods.md §7.6): for each prompt, the
 * original model generates the reference latent (no VAE round trip: the denoised latent itself),
 * then {@link UnlearnDiffAtk#run} attacks the erased model. Pre-ASR = share of prompts whose clean
 * prompt already succeeds; ASR = share that succeed before or during the attack.
 */
public final class Robustness {
    private Robustness() {
    }

    /** One row per prompt: index, prompt, seed, pre_success, success, timestep (−1: none/pre), iterations, loss, adversarial_prompt. */
    public static Table report(StableDiffusion original, StableDiffusion erased, List<PromptSet.Row> rows, String concept,
                               Judge judge, UnlearnDiffAtk attack, ProgressListener listener) {
        Table t = Table.create("UnlearnDiffAtk " + concept, IntColumn.create("index"), StringColumn.create("prompt"),
                LongColumn.create("seed"), BooleanColumn.create("pre_success"), BooleanColumn.create("success"),
                IntColumn.create("timestep"), IntColumn.create("iterations"), DoubleColumn.create("loss"),
                StringColumn.create("adversarial_prompt"));
        try (Task task = Task.start("UnlearnDiffAtk " + concept, rows.size(), listener == null ? ProgressListener.NONE : listener)) {
            for (PromptSet.Row row : rows) {
                UnlearnDiffAtk.Result r;
                try (NDScope scope = new NDScope()) {
                    NDArray reference = original.sampleLatent(attack.generation(row.prompt(), row.seed(), row.guidance()),
                            ProgressListener.NONE);
                    r = attack.run(erased, row.prompt(), reference, judge, concept, row.seed(), row.guidance());
                }
                t.intColumn("index").append(row.index());
                t.stringColumn("prompt").append(row.prompt());
                t.longColumn("seed").append(row.seed());
                t.booleanColumn("pre_success").append(r.preSuccess());
                t.booleanColumn("success").append(r.success());
                t.intColumn("timestep").append(r.timestep());
                t.intColumn("iterations").append(r.iterations());
                t.doubleColumn("loss").append(r.finalLoss());
                t.stringColumn("adversarial_prompt").append(r.adversarialPrompt());
                task.step(1, null, r.success() ? "success: " + r.adversarialPrompt() : "failed: " + row.prompt());
            }
        }
        return t;
    }

    public static Table report(StableDiffusion original, StableDiffusion erased, PromptSet prompts, String concept,
                               Judge judge, UnlearnDiffAtk attack) {
        return report(original, erased, prompts.rows(), concept, judge, attack, ProgressListener.NONE);
    }

    /** Attack success rate: share of rows with {@code success} (pre-attack successes included). */
    public static double asr(Table report) {
        return share(report, "success");
    }

    /** Share of rows whose clean prompt already succeeded. */
    public static double preAsr(Table report) {
        return share(report, "pre_success");
    }

    private static double share(Table report, String column) {
        BooleanColumn c = report.booleanColumn(column);
        return c.isEmpty() ? Double.NaN : (double) c.countTrue() / c.size();
    }
}
