package dev.erasure.erase;

import dev.erasure.core.PromptSet;
import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.train.Adam;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * AdvUnlearn (Zhang et al., NeurIPS 2024; methods.md §5): adversarial unlearning of the CLIP
 * <b>text encoder</b> (the UNet stays frozen). After a warm-up, every iteration first runs the
 * {@code prefix_k} soft-prompt attack (§5.2: k vectors in token-embedding space inserted after SOT,
 * Adam on them so that the current encoder reproduces the concept), then one Adam step of the encoder
 * on the ESD loss of the adversarial prompt plus γ × the retain-set loss (§5.3, {@code retain_train=reg}).
 * The result is a plug-in text encoder: {@code result.model()} is the pipeline with it,
 * {@code result.saveTextEncoder(dir)} writes it in the Hugging Face layout.
 *
 * <p>A record; {@link #readme()} is the README configuration (§5, §9 item 18): {@code text_encoder_full},
 * random attack init, 30 attack steps at lr 1e-3, k = 1, warm-up 200, retain set coco_object,
 * 5 retain prompts per iteration, γ = 0.3. The common settings come from {@code Erasure}: iterations =
 * {@code steps} (1000), lr 1e-5, GenLatent guidance 3, η = 1. {@code Erasure.train(Params)} (the UNet
 * filter) is not used. Gradient quirks (§9 item 19): with {@code Compat.OFFICIAL} the attack's
 * gradients accumulate over its steps and the returned prompt is the one before the last attack
 * update, as the official code does; {@code Compat.CORRECTED} zeroes them and returns the final one.
 *
 * <p>Only the default {@code attack_type prefix_k} is implemented; it inserts after SOT and drops the
 * last k positions, so it does not depend on the whitespace word count L (§9 item 17 concerns the
 * other layouts). Only {@code retain_train=reg} is implemented ({@code iter} is not). UNet variants of
 * AdvUnlearn ({@code xattn}, {@code noxattn}) are plain ESD with the attack and are not offered here.
 */
public record AdvUnlearn(TextEncoderParams params, List<String> retain, int retainBatch, double retainWeight,
                         int warmup, int attackEvery, int adversarialTokens, int attackSteps, double attackLearningRate,
                         Init init, boolean signGradient) implements Method {
    /**
     * One AdvUnlearn iteration (one θ update of the text encoder).
     *
     * @param adversarial the attack the target was trained against this iteration ("" before the
     *                    warm-up ends: the plain target)
     */
    public record Step(int iteration, int step, String target, int gridIndex, int t, Map<String, Double> losses,
                       String adversarial) implements StepRecord {
        @Override
        public String status() {
            return adversarial.isEmpty() ? target : target + " vs " + adversarial;
        }
    }

    /** {@code --attack_init}: fresh random token embeddings each attack, or continue from the last prompt. */
    public enum Init { RANDOM, LATEST }

    /** The retain set of the README: 243 "a photo of &lt;object&gt;" prompts. */
    public static final String COCO_OBJECT = "advunlearn/coco_object_retain.csv";

    /**
     * Validates every option once, naming it; {@code retain} null means the coco_object set, read at
     * run time. Only the model's tensors and retainBatch ≤ #retain are checked at run time ({@link #validate}).
     */
    public AdvUnlearn {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(init, "init");
        if (retain != null) retain = List.copyOf(retain);
        if (retainBatch < 0) throw new IllegalArgumentException("retainBatch must be ≥ 0, got " + retainBatch);
        if (!(retainWeight >= 0) || Double.isInfinite(retainWeight)) {
            throw new IllegalArgumentException("retainWeight must be a finite number ≥ 0, got " + retainWeight);
        }
        if (warmup < 0) throw new IllegalArgumentException("warmup must be ≥ 0, got " + warmup);
        if (attackEvery < 1) throw new IllegalArgumentException("attackEvery must be ≥ 1, got " + attackEvery);
        if (adversarialTokens < 1 || adversarialTokens > 75) {
            throw new IllegalArgumentException("adversarialTokens must be in [1, 75], got " + adversarialTokens);
        }
        if (attackSteps < 1) throw new IllegalArgumentException("attackSteps must be ≥ 1, got " + attackSteps);
        if (!(attackLearningRate > 0) || Double.isInfinite(attackLearningRate)) {
            throw new IllegalArgumentException("attackLearningRate must be a finite number > 0, got " + attackLearningRate);
        }
    }

    /** The README configuration ({@code text_encoder_full}, coco_object, 5 × γ 0.3, warm-up 200, k 1, 30 × 1e-3, random). */
    public static AdvUnlearn readme() {
        return new AdvUnlearn(TextEncoderParams.full(), null, 5, 0.3, 200, 1, 1, 30, 1e-3, Init.RANDOM, false);
    }

    /** @deprecated the same as {@link #readme()} (or {@code Methods.advUnlearn()}): use that. */
    @Deprecated
    public static AdvUnlearn defaults() {
        return readme();
    }

    /** Which text-encoder tensors train ({@code --train_method text_encoder_*}, {@code --component}). */
    public AdvUnlearn train(TextEncoderParams p) {
        return Records.with(this, "params", p);
    }

    /** @deprecated {@code textEncoder()} named three things of three types; this is {@link #train(TextEncoderParams)}. */
    @Deprecated
    public AdvUnlearn textEncoder(TextEncoderParams p) {
        return train(p);
    }

    /** The retain prompts ({@code --dataset_retain}). */
    public AdvUnlearn retain(List<String> prompts) {
        return Records.with(this, "retain", Objects.requireNonNull(prompts, "retain"));
    }

    public AdvUnlearn retain(PromptSet set) {
        return retain(set.rows().stream().map(PromptSet.Row::prompt).toList());
    }

    /** Retain prompts per iteration ({@code --retain_batch}, 5); 0 disables the retain term. */
    public AdvUnlearn retainBatch(int n) {
        return Records.with(this, "retainBatch", n);
    }

    /** γ ({@code --retain_loss_w}, README 0.3). */
    public AdvUnlearn retainWeight(double gamma) {
        Finite.require("retainWeight", gamma);
        return Records.with(this, "retainWeight", gamma);
    }

    /** Iterations with the clean prompt before the attack starts ({@code --warmup_iter}, 200). */
    public AdvUnlearn warmup(int iterations) {
        return Records.with(this, "warmup", iterations);
    }

    /** Attack every n-th iteration after warm-up ({@code --adv_prompt_update_step}, 1); the prompt is reused in between. */
    public AdvUnlearn attackEvery(int n) {
        return Records.with(this, "attackEvery", n);
    }

    /** k, the adversarial prefix vectors ({@code --adv_prompt_num}, 1). */
    public AdvUnlearn adversarialTokens(int k) {
        return Records.with(this, "adversarialTokens", k);
    }

    /** Attack Adam steps ({@code --attack_step}, 30). */
    public AdvUnlearn attackSteps(int n) {
        return Records.with(this, "attackSteps", n);
    }

    /** {@code --attack_lr} (1e-3). */
    public AdvUnlearn attackLearningRate(double lr) {
        Finite.require("attackLearningRate", lr);
        return Records.with(this, "attackLearningRate", lr);
    }

    public AdvUnlearn init(Init i) {
        return Records.with(this, "init", i);
    }

    /** {@code fast_at}: the attack steps on sign(gradient) (off). */
    public AdvUnlearn signGradient(boolean on) {
        return Records.with(this, "signGradient", on);
    }

    /** The retain prompts (the coco_object set unless replaced). */
    public List<String> retainPrompts() {
        return retain != null ? retain : PromptSet.resource(COCO_OBJECT).rows().stream().map(PromptSet.Row::prompt).toList();
    }

    /** @deprecated the record accessor {@link #init()}. */
    @Deprecated
    public Init initMode() {
        return init;
    }

    /** Every common option but train(..): θ is the text-encoder subset {@link #params()} selects. */
    @Override
    public Set<Option> options() {
        return EnumSet.complementOf(EnumSet.of(Option.TRAIN));
    }

    @Override
    public String name() {
        return "AdvUnlearn";
    }

    @Override
    public void validate(ErasureModel model, Settings settings) {
        model.requireFullPrecision(name(), "its attack trains a soft prompt with its own optimiser, whose gradients the"
                + " OFFICIAL mode never zeroes, so sums of gradients scaled by a loss scale that changes between steps would mix scales");
        model.requireTextStatesOnly(name(), "it trains one CLIP text encoder whose text states alone condition the "
                + "UNet, while SDXL's UNet reads two encoders' states plus the pooled projection of encoder 2, which the "
                + "official AdvUnlearn does not define");
        if (!(model instanceof SdErasureModel sd)) {
            throw new IllegalArgumentException("AdvUnlearn trains a CLIP text encoder: the model must be a StableDiffusion");
        }
        if (params.select(sd.pipeline().textEncoder().weights().keys()).isEmpty()) {
            throw new IllegalArgumentException("text-encoder filter " + params.name() + " selects no tensor");
        }
        // checked here, not in the constructor: retain(..) and retainBatch(..) may come in either order
        if (retain != null && retainBatch > 0 && retain.size() < retainBatch) {
            throw new IllegalArgumentException("retainBatch " + retainBatch + " exceeds the " + retain.size() + " retain prompts");
        }
    }

    /**
     * Runs (or resumes) the method. Checkpoints hold the trained encoder tensors and their Adam, the
     * latest adversarial prompt, the retain prompts not yet drawn in this pass, the RNG and the history.
     */
    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, settings, configuration()); // before any compute
        long t0 = System.nanoTime();
        StableDiffusion sd = ((SdErasureModel) model).pipeline();
        Session s = Session.trainingTextEncoder(model, settings, sd.textEncoder().weights(), params);
        return Trainer.loop(s, new AdvUnlearnLoop(s, sd, this), listener, resumeDir, t0);
    }

    /** The settings of this method a checkpoint must match, by their builder names. */
    Map<String, String> configuration() {
        String retained = retain == null ? COCO_OBJECT : retain.size() + " prompts, hash " + Integer.toHexString(retain.hashCode());
        return Checkpoints.methodConfiguration(name(), "textEncoder", params.name(), "retain", retained,
                "retainBatch", retainBatch, "retainWeight", retainWeight, "warmup", warmup, "attackEvery", attackEvery,
                "adversarialTokens", adversarialTokens, "attackSteps", attackSteps, "attackLearningRate", attackLearningRate,
                "init", init, "signGradient", signGradient);
    }
}
