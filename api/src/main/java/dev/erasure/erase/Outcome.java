package dev.erasure.erase;

import ai.djl.ndarray.NDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a method's run produced, before any presentation: the trained tensors over the shared
 * frozen UNet (and, for text-encoder methods, the trained encoder tensors), the per-iteration
 * history, EAP's candidate sets and whether the run was cancelled. The facade's
 * {@code ErasureResult} wraps it with the edited pipeline, saving and the history table.
 *
 * @param owner              what closing the result frees (the run's session or the edit's manager)
 * @param recordType         the method's history record ({@link StepRecord.Common} for a method without a loop)
 * @param textEncoderTensors trained text-encoder tensors by transformers key; empty when θ is in the UNet
 * @param nanos              wall time of the run
 */
public record Outcome(ErasureModel model, TrainableWeights trained, AutoCloseable owner,
                      Map<String, NDArray> textEncoderTensors, String method, List<CandidateSet> candidates,
                      Settings settings, Class<? extends StepRecord> recordType, List<? extends StepRecord> records,
                      boolean cancelled, long nanos) {
    public Outcome {
        textEncoderTensors = Collections.unmodifiableMap(new LinkedHashMap<>(textEncoderTensors));
        candidates = List.copyOf(candidates);
        records = List.copyOf(records);
    }

    /** The outcome of the shared loop ({@link Trainer}) around a per-iteration method. */
    static Outcome trained(Session s, ErasureMethod<?> m, List<? extends StepRecord> records, boolean cancelled, long nanos) {
        Map<String, NDArray> textEncoder = s.trainedTextEncoder() == null ? Map.of() : s.trainedTextEncoder().tensors();
        return new Outcome(s.model(), s.trainable(), s, textEncoder, m.name(), m.candidates(), s.settings(), m.recordType(),
                records, cancelled, nanos);
    }

    /**
     * The outcome of a method without a training loop (UCE's closed-form edit): {@code edited}
     * replaces those UNet tensors over the shared originals; closing frees {@code owner}.
     */
    static Outcome edited(ErasureModel model, String method, Settings settings, Map<String, NDArray> edited,
                          AutoCloseable owner, long nanos) {
        return new Outcome(model, TrainableWeights.of(model.unetWeights(), edited), owner, Map.of(), method, List.of(),
                settings, StepRecord.Common.class, List.of(), false, nanos);
    }

    /** The history as the method's own records, e.g. {@code records(AdversarialPreservation.Step.class)}. */
    public <R extends StepRecord> List<R> records(Class<R> type) {
        if (!type.isAssignableFrom(recordType)) {
            throw new IllegalArgumentException(method + " records " + recordType.getName() + ", not " + type.getName());
        }
        return records.stream().map(type::cast).toList();
    }

    /** θ updates skipped for a gradient overflow under mixed precision ({@code LossScale}); 0 in fp32 and for edits. */
    public long lossScaleSkips() {
        return owner instanceof Session s ? s.lossScale().skipped() : 0; // a trained outcome is owned by its session
    }

    /** θ updates done. */
    public int stepsDone() {
        return records.isEmpty() ? 0 : records.get(records.size() - 1).step();
    }
}
