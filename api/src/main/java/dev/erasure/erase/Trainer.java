package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import dev.erasure.sd.Djl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The loop every method shares: iterations, history, checkpoints every N θ-steps, progress
 * reports (losses, sampled concepts) and cancellation. A cancelled run returns the partial result
 * (weights after the last finished iteration) instead of throwing.
 */
public final class Trainer {
    private Trainer() {
    }

    /** The shared loop around a per-iteration method (the ESD family's, Concept Ablation's) made from the run's session. */
    public static Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeFrom,
                              Function<Session, ? extends ErasureMethod<?>> methodFactory) {
        long t0 = System.nanoTime();
        Session s = new Session(model, settings);
        return loop(s, methodFactory.apply(s), listener, resumeFrom, t0);
    }

    /**
     * The shared loop on a session the method made itself (AdvUnlearn, AdvAnchor):
     * {@code settings().iterations() × iterationsPerStep()} loop iterations of {@code m} on session {@code s},
     * resumed from the newest checkpoint in {@code resumeFrom} if not null.
     */
    public static <R extends StepRecord> Outcome loop(Session s, ErasureMethod<R> m, ProgressListener listener,
                                                      Path resumeFrom, long t0) {
        Djl.gradOffOnThisThread(); // the optimiser's in-place updates need grad mode off on this thread
        ErasureModel model = s.model();
        Settings settings = s.settings();
        List<R> history = new ArrayList<>();
        int start = resumeFrom == null ? 0 : Checkpoints.restore(resumeFrom, s, m, history);
        int perStep = m.iterationsPerStep();
        int total = settings.iterations() * perStep;
        if (start > total) {
            throw new IllegalArgumentException("checkpoint is at loop iteration " + start + ", beyond this run's " + total
                    + " (iterations(" + settings.iterations() + "))");
        }
        // The bar counts θ updates, those of iterations(n) and of the result ("100/100"), not loop
        // iterations (EAP runs P per θ update); every loop iteration still reports and checks for cancellation.
        try (Task task = Task.start(m.name() + " erase " + settings.targets(), settings.iterations(), listener)) {
            int stepsShown = stepOf(history);
            if (start > 0) task.step(stepsShown, null, "resumed at step " + stepsShown);
            for (int i = start; i < total; i++) {
                if (Cancellation.current().takeStopRequest()) {
                    stopWithCheckpoint(s, m, history, i);
                    break;
                }
                R r = m.iterate(i);
                requireFiniteLosses(r, i, settings);
                history.add(r);
                if (settings.checkpointEvery() > 0 && (i + 1) % (settings.checkpointEvery() * perStep) == 0) {
                    Checkpoints.save(settings.checkpointDir(), i + 1, s, m, history);
                }
                task.step(r.step() - stepsShown, metrics(r), r.status());
                stepsShown = r.step();
            }
        } catch (CancelledException e) {
            // fall through: the partial result is returned below, flagged cancelled
        }
        boolean cancelled = history.size() < total;
        return Outcome.trained(s, m, history, cancelled, System.nanoTime() - t0);
    }

    /**
     * A stop was requested between iterations (a preempted cluster task): the state after iteration
     * {@code i} is whole, so it is saved into the run's checkpoint folder, if it has one, for a
     * bit-exact resume (already there when the last periodic checkpoint fell on it).
     */
    private static <R extends StepRecord> void stopWithCheckpoint(Session s, ErasureMethod<R> m, List<R> history, int i) {
        Settings settings = s.settings();
        if (settings.checkpointDir() == null || i == 0) return;
        boolean periodic = settings.checkpointEvery() > 0 && i % (settings.checkpointEvery() * m.iterationsPerStep()) == 0;
        if (!periodic) Checkpoints.save(settings.checkpointDir(), i, s, m, history);
    }

    /** θ updates done after {@code history}. */
    private static int stepOf(List<? extends StepRecord> history) {
        return history.isEmpty() ? 0 : history.get(history.size() - 1).step();
    }

    /** Stops a diverged run before its NaN weights reach a checkpoint: the last one saved stays finite. */
    private static void requireFiniteLosses(StepRecord r, int iteration, Settings settings) {
        for (Map.Entry<String, Double> l : r.losses().entrySet()) {
            if (!Double.isFinite(l.getValue())) {
                throw new IllegalStateException("erasure stopped: loss '" + l.getKey() + "' became " + l.getValue()
                        + " at iteration " + (iteration + 1) + " (learning rate " + settings.learningRate()
                        + " too high?)" + (settings.checkpointEvery() > 0
                        ? "; the last checkpoint in " + settings.checkpointDir() + " holds finite weights" : ""));
            }
        }
    }

    private static Map<String, Double> metrics(StepRecord r) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("step", (double) r.step());
        out.putAll(r.losses());
        return out;
    }
}
