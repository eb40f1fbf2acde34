package dev.erasure.toy;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.Robustness;
import dev.erasure.eval.UnlearnDiffAtk;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.ClipTokenizer;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sweep.Metric;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The robustness half of the AdvUnlearn story on ShapeWorld: the UnlearnDiffAtk attack (methods.md
 * §7.6) searches prefix tokens that make an erased model draw the concept again, and the concept
 * classifier judges the images ({@link ConceptClassifier#judge()}).
 *
 * <p>Scaled to the world: the attack's token distributions range over the tokens of the world's
 * captions (the text encoder never saw other words), 3 prefix tokens (the objects setting), 20 Adam
 * iterations at each of 5 timesteps (the paper: 40 at 50 timesteps), images of 20 DDIM sampling steps at the
 * world's 16 px and guidance 3.
 */
public final class ShapeWorldAttack {
    public static final int[] TIMESTEPS = {100, 300, 500, 700, 900};

    private ShapeWorldAttack() {
    }

    /** The attack configured for a ShapeWorld model (see the class comment). */
    public static UnlearnDiffAtk attack(StableDiffusion model) {
        return UnlearnDiffAtk.defaults().tokens(3).iterations(20).timesteps(TIMESTEPS).generationSteps(20)
                .imageSize(ShapeWorld.DEFAULT_SIZE).candidates(worldTokens(model.tokenizer()));
    }

    /** The ids of every token of the world's concept prompts and caption words (without BOS/EOS). */
    public static long[] worldTokens(ClipTokenizer tokenizer) {
        TreeSet<Long> ids = new TreeSet<>();
        for (Concept c : Concept.vocabulary(List.of(Style.values()))) {
            long[] t = tokenizer.encodeUnpadded(c.prompt());
            for (int i = 1; i < t.length - 1; i++) ids.add(t[i]); // skip BOS and EOS
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** The prompt "a circle" (the concept's prompt) with seeds 0..n−1 at guidance 3. */
    public static List<PromptSet.Row> prompts(String concept, int n) {
        if (n < 1) throw new IllegalArgumentException("need at least one prompt, got " + n);
        String prompt = Concept.named(concept).prompt();
        List<PromptSet.Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) rows.add(new PromptSet.Row(i, String.valueOf(i), prompt, i, 3f, concept, Map.of()));
        return rows;
    }

    /**
     * The attack success rate (%) on {@code n} seeds of the concept's prompt as a sweep metric, so that a
     * sweep of methods reports robustness next to ESR/PSR.
     */
    public static Metric metric(StableDiffusion original, String concept, int n, ConceptClassifier judge, UnlearnDiffAtk attack) {
        return Metric.of("ASR %", r -> 100 * Robustness.asr(Robustness.report(original, r.model(), prompts(concept, n), concept,
                judge.judge(), attack, ProgressListener.NONE)));
    }

    /**
     * Attacks each erased model on {@code n} seeds of the concept's prompt and reports, per model, the
     * pre-attack success rate (the clean prompt already shows the concept) and the attack success rate
     * (before or during the attack), in %.
     */
    public static Table asr(StableDiffusion original, Map<String, StableDiffusion> erased, String concept, int n,
                            ConceptClassifier judge, UnlearnDiffAtk attack, ProgressListener listener) {
        StringColumn model = StringColumn.create("model");
        IntColumn prompts = IntColumn.create("prompts");
        DoubleColumn pre = DoubleColumn.create("pre-attack ASR %");
        DoubleColumn asr = DoubleColumn.create("ASR %");
        for (Map.Entry<String, StableDiffusion> e : erased.entrySet()) {
            Table report = Robustness.report(original, e.getValue(), prompts(concept, n), concept, judge.judge(), attack, listener);
            model.append(e.getKey());
            prompts.append(report.rowCount());
            pre.append(Math.round(1000 * Robustness.preAsr(report)) / 10.0);
            asr.append(Math.round(1000 * Robustness.asr(report)) / 10.0);
        }
        return Table.create("UnlearnDiffAtk on '" + concept + "' (ShapeWorld classifier judge)", model, prompts, pre, asr);
    }
}
