package dev.erasure.erase;

import dev.erasure.io.Finite;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;
import dev.erasure.train.Adam;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * AdvAnchor (Zhao et al., arXiv 2501.00054; methods.md §6): ESD-x style unlearning whose target is
 * the frozen model's prediction for an <i>adversarial anchor</i> — the prompt "{p}'s painting" with a
 * universal perturbation δ ∈ ℝ^{m×D} (m = words of p) that is optimised to make the anchor's
 * prediction anti-correlated with the concept's ({@link Loss}). θ (the {@code Erasure.train} subset,
 * ESD-x by default) minimises MSE(ε_θ(z_t,t,c_p), sg ε*(z_t,t,c_adv(δ))) + 10·MSE(ε_θ(z_t,t,c_b), ε*(z_t,t,c_b))
 * with c_p = E("{p} painting"), c_b = E("painting").
 *
 * <p><b>Injection point of δ</b> (§9 item 20, not in the public code): δ is <i>added to the text
 * encoder's output hidden states</i> (the conditioning the UNet sees) at token positions 1..m of
 * "{p}'s painting" — the simplest reading of {@code get_learned_conditioning(text, δ, i0, i1)}; the
 * encoder is then not in δ's gradient path.
 *
 * <p><b>Schedules</b> (§6.3; the names are an inferred mapping of the files, §9 item 21):
 * {@link Schedule#ALTERNATING} = {@code *_op1}, {@link Schedule#SEQUENTIAL} = {@code *_op2},
 * {@link Schedule#CYCLICAL} = {@code *_op3}.
 *
 * <p><b>Training images</b>: the official code noises 1000 pre-generated SD images of the bare prompt
 * p (LMS, 100 steps, CFG 7.5) encoded by the VAE. Here image i is a latent the frozen model generates
 * on the fly from p (deterministic DDIM over the {@code ddimSteps} grid, CFG {@link #imageGuidance},
 * noise from the run's seed), with no VAE round trip. θ steps = min({@code Erasure.steps}, images):
 * the official {@code iter_break 50} is 51 images.
 *
 * <p>Defaults are the README's: lr 1e-5 (from {@code Erasure}), δ lr 1e-4, 51 images, 30 inner δ steps,
 * {@code att_size 0}, {@code ori_flag} on (the loss is divided by 2). With {@code Compat.OFFICIAL} the θ and δ
 * gradients are never zeroed (running sums, §9 item 19); {@code Compat.CORRECTED} zeroes them each step.
 * Attribute prompts ({@code att_size > 0}) are not supported.
 */
public record AdvAnchor(Schedule schedule, Loss loss, double deltaLearningRate, int images, int innerSteps,
                        double preserveWeight, double imageGuidance, double deltaInitScale, String conceptTemplate,
                        String anchorTemplate, String genericPrompt) implements Method {
    /**
     * One AdvAnchor loop iteration.
     *
     * @param phase  "model" (a θ update, in ALTERNATING after the δ loop) or "adversary" (δ updates only)
     * @param image  the training image it used
     * @param anchor the adversarial anchor "c_adv + δ" the target is pulled towards
     */
    public record Step(int iteration, int step, String phase, String target, int image, int gridIndex, int t,
                       Map<String, Double> losses, String anchor) implements StepRecord {
        @Override
        public boolean updatesModel() {
            return AdversarialPreservation.MODEL_PHASE.equals(phase);
        }

        @Override
        public String status() {
            return phase + ": " + target + " vs " + anchor;
        }
    }

    /** The δ-vs-θ optimisation order. */
    public enum Schedule {
        /** op1: per image, an inner δ loop then one θ step on the same noisy latent. */
        ALTERNATING,
        /** op2: a δ loop on each image, then one θ step per image with the final δ. */
        SEQUENTIAL,
        /** op3: {@code innerSteps} passes over the images with one δ step each (fresh Adam), then the θ steps. */
        CYCLICAL
    }

    /** The adversarial objective δ minimises (files Ladv1 / Ladv2). */
    public enum Loss {
        /** L_adv1 = mean(ε*(c_adv) ⊙ ε*(c_p)) / 2. */
        PREDICTION,
        /** L_adv2 = mean((ε*(c_adv) − ε*(c_b)) ⊙ (ε*(c_p) − ε*(c_b))) / 2: the guidance direction relative to "painting". */
        GUIDANCE
    }

    /** Validates every option once, naming it. */
    public AdvAnchor {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(loss, "loss");
        if (!(deltaLearningRate > 0) || Double.isInfinite(deltaLearningRate)) {
            throw new IllegalArgumentException("deltaLearningRate must be a finite number > 0, got " + deltaLearningRate);
        }
        if (images < 1) throw new IllegalArgumentException("images must be ≥ 1, got " + images);
        if (innerSteps < 1) throw new IllegalArgumentException("innerSteps must be ≥ 1, got " + innerSteps);
        if (!(preserveWeight >= 0) || Double.isInfinite(preserveWeight)) {
            throw new IllegalArgumentException("preserveWeight must be a finite number ≥ 0, got " + preserveWeight);
        }
        if (!Double.isFinite(imageGuidance)) throw new IllegalArgumentException("imageGuidance must be finite, got " + imageGuidance);
        if (!Double.isFinite(deltaInitScale)) throw new IllegalArgumentException("deltaInitScale must be finite, got " + deltaInitScale);
        Objects.requireNonNull(conceptTemplate, "conceptTemplate");
        Objects.requireNonNull(anchorTemplate, "anchorTemplate");
        Objects.requireNonNull(genericPrompt, "genericPrompt");
        if (!conceptTemplate.contains("{}")) {
            throw new IllegalArgumentException("conceptTemplate must contain {}, got '" + conceptTemplate + "'");
        }
        if (!anchorTemplate.startsWith("{}")) {
            throw new IllegalArgumentException("anchorTemplate must start with {} (δ is added at the positions of the target's words), got '"
                    + anchorTemplate + "'");
        }
    }

    /** The README configuration: alternating, L_adv1, δ lr 1e-4, 51 images, 30 inner steps, weight 10, CFG 7.5, style prompts. */
    public static AdvAnchor readme() {
        return new AdvAnchor(Schedule.ALTERNATING, Loss.PREDICTION, 1e-4, 51, 30, 10, 7.5, 1e-7,
                "{} painting", "{}'s painting", "painting");
    }

    /** @deprecated the same as {@link #readme()} (or {@code Methods.advAnchor()}): use that. */
    @Deprecated
    public static AdvAnchor defaults() {
        return readme();
    }

    public AdvAnchor schedule(Schedule s) {
        return Records.with(this, "schedule", s);
    }

    public AdvAnchor loss(Loss l) {
        return Records.with(this, "loss", l);
    }

    /** {@code lr2}, δ's Adam learning rate (README 1e-4). */
    public AdvAnchor deltaLearningRate(double lr) {
        Finite.require("deltaLearningRate", lr);
        return Records.with(this, "deltaLearningRate", lr);
    }

    /** Training images ({@code iter_break + 1}, 51). */
    public AdvAnchor images(int n) {
        return Records.with(this, "images", n);
    }

    /** {@code w_iter_break} (README 30): the δ loop's step limit (cyclical: passes over the images). */
    public AdvAnchor innerSteps(int n) {
        return Records.with(this, "innerSteps", n);
    }

    /** Weight of the "painting" preservation term (10). */
    public AdvAnchor preserveWeight(double w) {
        Finite.require("preserveWeight", w);
        return Records.with(this, "preserveWeight", w);
    }

    /** CFG scale of the generated training images (7.5). */
    public AdvAnchor imageGuidance(double g) {
        Finite.require("imageGuidance", g);
        return Records.with(this, "imageGuidance", g);
    }

    /** δ's initial scale: N(0,1)·scale (1e-7). */
    public AdvAnchor deltaInitScale(double s) {
        Finite.require("deltaInitScale", s);
        return Records.with(this, "deltaInitScale", s);
    }

    /**
     * The prompts, "{}" standing for the target p: the concept prompt c_p (default "{} painting"), the
     * anchor that δ perturbs at the positions of p's words (default "{}'s painting"; must start with p)
     * and the generic prompt c_b kept by the preservation term (default "painting"). The defaults are
     * the official style setting; for objects, e.g. {@code prompts("{}", "{}", "a shape")} on ShapeWorld.
     */
    public AdvAnchor prompts(String concept, String anchor, String generic) {
        return Records.with(this, "conceptTemplate", concept, "anchorTemplate", anchor, "genericPrompt", generic);
    }

    /** c_p for target p. */
    public String conceptPrompt(String p) {
        return conceptTemplate.replace("{}", p);
    }

    /** The anchor prompt for target p (δ is added at positions 1..m). */
    public String anchorPrompt(String p) {
        return anchorTemplate.replace("{}", p);
    }

    @Override
    public String name() {
        return "AdvAnchor";
    }

    /** Every common option but the ESD target's: its images use {@link #imageGuidance}, its loss no η. */
    @Override
    public Set<Option> options() {
        return EnumSet.complementOf(EnumSet.of(Option.START_GUIDANCE, Option.NEGATIVE_GUIDANCE));
    }

    @Override
    public void validate(ErasureModel model, Settings settings) {
        model.requireFullPrecision(name(), "δ has its own optimiser, and in OFFICIAL mode θ's and δ's gradients are"
                + " never zeroed, so sums of gradients scaled by a loss scale that changes between steps would mix scales");
        if (settings.targets().size() != 1) {
            throw new IllegalArgumentException("AdvAnchor erases one concept, got " + settings.targets());
        }
        int words = AdvAnchorLoop.words(settings.targets().get(0));
        if (words + 2 > 77) throw new IllegalArgumentException("target has " + words + " words; δ must fit in 77 tokens");
    }

    /**
     * Runs (or resumes) the method. Checkpoints hold θ and its Adam, δ, the generated training latents,
     * the carried θ and δ gradients ({@code Compat.OFFICIAL}), the RNG and the history; the schedule's
     * phase and position follow from the iteration. δ's Adam is new at every outer step (§6.1), so it
     * has no state between iterations. Checkpoints fall every {@code checkpointEvery} θ steps' worth of
     * loop iterations, so the δ phase of the sequential and cyclical schedules is checkpointed too.
     */
    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        Settings theta = AdvAnchorLoop.thetaIterations(settings, images);
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, theta, configuration(theta)); // before any compute
        long t0 = System.nanoTime();
        Session s = new Session(model, theta);
        return Trainer.loop(s, new AdvAnchorLoop(s, this), listener, resumeDir, t0);
    }

    /**
     * The settings of this method a checkpoint must match, by their builder names. The sequential and
     * cyclical δ phases run over every training image first, so there the θ step count is fixed too.
     */
    Map<String, String> configuration(Settings theta) {
        Map<String, String> c = Checkpoints.methodConfiguration(name(), "schedule", schedule, "loss", loss,
                "deltaLearningRate", deltaLearningRate, "innerSteps", innerSteps, "preserveWeight", preserveWeight,
                "imageGuidance", imageGuidance, "deltaInitScale", deltaInitScale, "conceptPrompt", conceptTemplate,
                "anchorPrompt", anchorTemplate, "genericPrompt", genericPrompt);
        if (schedule != Schedule.ALTERNATING) c.put("min(steps, AdvAnchor.images)", String.valueOf(theta.iterations())); // the key checkpoints were written with
        return c;
    }
}
