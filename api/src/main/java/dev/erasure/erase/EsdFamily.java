package dev.erasure.erase;

import dev.erasure.core.Preserve;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The ESD family as one method among the others (methods.md §1.1, §2): what it preserves picks
 * the algorithm: nothing is ESD, fixed concepts ESD + preservation, adversarial concepts EAP, a
 * continuous adversarial embedding the PGD ablation. {@code Methods.esd()}, {@code Methods.eap(50)};
 * {@code Erasure.preserve(p)} is the same choice as {@code method(Methods.esd().preserve(p))}.
 * Its defaults are the official scripts' (1000 θ updates, lr 1e-5; EAP's in {@link Preserve#adversarial}).
 */
public record EsdFamily(Preserve preserve) implements Method {
    public EsdFamily {
        Objects.requireNonNull(preserve, "preserve");
    }

    /** Plain ESD (§1.1). */
    public static EsdFamily esd() {
        return new EsdFamily(Preserve.none());
    }

    /** EAP with K adversarial candidate concepts (§2.1–2.3; K = 100 objects/artists, 50 nudity). */
    public static EsdFamily eap(int k) {
        return new EsdFamily(Preserve.adversarial(k));
    }

    /** With another preservation (none, fixed concepts, adversarial, continuous). */
    public EsdFamily preserve(Preserve p) {
        return Records.with(this, "preserve", Objects.requireNonNull(p, "preserve"));
    }

    /** The name the run's history and result carry ("ESD", "ESD+preserve", "EAP", "EAP-PGD"). */
    @Override
    public String name() {
        if (preserve instanceof Preserve.None) return Esd.NAME;
        if (preserve instanceof Preserve.Fixed) return FixedPreservation.NAME;
        if (preserve instanceof Preserve.Adversarial) return AdversarialPreservation.NAME;
        return ContinuousAdversarial.NAME;
    }

    /** Runs the shared loop with this preservation (a resume is checked against it before any compute). */
    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        Settings s = Records.with(settings, "preserve", preserve);
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, s);
        return Trainer.run(model, s, listener, resumeDir);
    }
}
