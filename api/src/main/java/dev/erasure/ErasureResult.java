package dev.erasure;

import ai.djl.ndarray.NDArray;
import dev.erasure.erase.CandidateSet;
import dev.erasure.erase.ErasureModel;
import dev.erasure.erase.Outcome;
import dev.erasure.erase.SdErasureModel;
import dev.erasure.erase.SdxlErasureModel;
import dev.erasure.erase.Settings;
import dev.erasure.erase.StepRecord;
import dev.erasure.erase.TextEncoderFolder;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.viz.RecordTable;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of an erasure run: the trained tensors (over the shared frozen UNet), the history
 * per loop iteration, EAP's candidate sets, and whether the run was cancelled (then it holds the
 * weights after the last finished iteration). Closing it frees the trained copies.
 */
public final class ErasureResult implements AutoCloseable {
    private final Outcome outcome;

    /** Made by {@link Erasure#run()} from what the method produced. */
    ErasureResult(Outcome outcome) {
        this.outcome = outcome;
    }

    /** What the method produced (trained tensors, records, settings), without presentation. */
    public Outcome outcome() {
        return outcome;
    }

    /**
     * The edited pipeline, ready to generate: the original with the trained UNet tensors and, for
     * text-encoder methods (AdvUnlearn), the trained text encoder (everything else is shared, not copied).
     */
    public StableDiffusion model() {
        if (!(outcome.model() instanceof SdErasureModel sd)) {
            throw new UnsupportedOperationException("the erased model is not a StableDiffusion; use sdxlModel() for SDXL, or unetWeights()");
        }
        StableDiffusion out = sd.withUnetWeights(unetWeights());
        if (outcome.textEncoderTensors().isEmpty()) return out;
        ClipTextModel te = out.textEncoder();
        return out.withTextEncoder(te.withWeights(te.weights().overlay(outcome.textEncoderTensors())));
    }

    /** The edited SDXL pipeline, ready to generate: the original with the trained UNet tensors (the rest shared). */
    public StableDiffusionXL sdxlModel() {
        if (!(outcome.model() instanceof SdxlErasureModel xl)) {
            throw new UnsupportedOperationException("the erased model is not an SDXL; use model()");
        }
        return xl.withUnetWeights(unetWeights());
    }

    /** The trained text-encoder tensors by transformers key (empty unless the method trains the text encoder). */
    public Map<String, NDArray> textEncoderTensors() {
        return outcome.textEncoderTensors();
    }

    /**
     * Writes the whole edited text encoder in the Hugging Face layout: {@code dir/model.safetensors}
     * (every tensor, trained and frozen, transformers names) and {@code dir/config.json}, so that
     * {@code CLIPTextModel.from_pretrained(dir)} loads it; pass a pipeline's {@code text_encoder} folder
     * to plug it into a diffusers pipeline.
     */
    public void saveTextEncoder(Path dir) {
        if (outcome.textEncoderTensors().isEmpty()) {
            throw new IllegalStateException(method() + " did not train the text encoder; use save(file)");
        }
        TextEncoderFolder.save(dir, model().textEncoder(), metadata());
    }

    /** The edited UNet weights: trained copies over the original (shared, unchanged) tensors. */
    public Weights unetWeights() {
        return outcome.trained().overlay();
    }

    /** Only the trained tensors, by diffusers key. */
    public Map<String, NDArray> changedTensors() {
        return outcome.trained().tensors();
    }

    public ErasureModel erasureModel() {
        return outcome.model();
    }

    public String method() {
        return outcome.method();
    }

    public Settings settings() {
        return outcome.settings();
    }

    public boolean cancelled() {
        return outcome.cancelled();
    }

    /** θ updates done. */
    public int stepsDone() {
        return outcome.stepsDone();
    }

    public Duration elapsed() {
        return Duration.ofNanos(outcome.nanos());
    }

    /** The history, one record per loop iteration, of the method's own kind (see {@link #records(Class)}). */
    public List<? extends StepRecord> records() {
        return outcome.records();
    }

    /** The history as the method's own records, e.g. {@code records(AdversarialPreservation.Step.class)} for EAP's π. */
    public <R extends StepRecord> List<R> records(Class<R> type) {
        return outcome.records(type);
    }

    /** EAP's candidate sets, one per target (empty for other methods). */
    public List<CandidateSet> candidates() {
        return outcome.candidates();
    }

    /**
     * One row per loop iteration, one column per component of the method's record (e.g. EAP:
     * iteration, step, phase, target, k, t, every loss, adversarial, pi_max and pi as space-separated
     * probabilities).
     */
    public Table history() {
        return RecordTable.of(method() + " history", recordClass(), records().stream().map(Record.class::cast).toList());
    }

    /** Every method's history record is a Java record (its components are the table's columns). */
    @SuppressWarnings("unchecked")
    private Class<? extends Record> recordClass() {
        if (!Record.class.isAssignableFrom(outcome.recordType())) {
            throw new IllegalStateException(method() + "'s history record " + outcome.recordType().getName() + " is not a record");
        }
        return (Class<? extends Record>) outcome.recordType();
    }

    /** Writes the trained UNet tensors (diffusers names) as safetensors, atomically; see {@link #saveTextEncoder}. */
    public void save(Path file) {
        if (changedTensors().isEmpty() && !textEncoderTensors().isEmpty()) {
            throw new IllegalStateException(method() + " trained only the text encoder: use saveTextEncoder(dir)");
        }
        Safetensors.save(file, changedTensors(), metadata());
    }

    /** Writes every UNet tensor (trained and frozen) as a diffusers {@code diffusion_pytorch_model.safetensors}. */
    public void saveFullUnet(Path file) {
        Safetensors.save(file, unetWeights().asMap(), metadata());
    }

    private Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put("erasure.method", method());
        m.put("erasure.targets", String.join(", ", settings().targets()));
        m.put("erasure.params", settings().params().name());
        m.put("erasure.steps", Integer.toString(stepsDone())); // the key files were first written with: θ updates
        m.put("erasure.compat", settings().compat().name());
        m.put("erasure.seed", Long.toString(settings().seed()));
        return m;
    }

    @Override
    public void close() {
        try {
            outcome.owner().close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot free the result of " + method() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return method() + " of " + settings().targets() + ": " + stepsDone() + "/" + settings().iterations() + " iterations"
                + (cancelled() ? " (cancelled)" : "") + ", " + (changedTensors().size() + textEncoderTensors().size()) + " tensors trained";
    }
}
