package dev.erasure.erase;

import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.io.Records;
import dev.erasure.progress.ProgressListener;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The ESD family as one method among the others (methods.md §1.1, §2): what it preserves picks
 * the algorithm: nothing is ESD, fixed concepts ESD + preservation, adversarial concepts EAP, a
 * continuous adversarial embedding the PGD ablation. {@code Methods.esd()}, {@code Methods.eap(50)};
 * {@code Erasure.preserve(p)} is the same choice as {@code method(Methods.esd().preserve(p))}.
 * Its defaults are the official scripts' (1000 θ updates, lr 1e-5; EAP's in {@link Preserve#adversarial}).
 *
 * @param vocabulary EAP's candidate pool (null: EN3K, the official {@code english_3000.csv}); the
 *                   family keeps it whichever preservation is chosen (a sweep over preservations shares
 *                   one), and only the adversarial preservation reads it
 */
public record EsdFamily(Preserve preserve, Vocabulary vocabulary) implements Method {
    public EsdFamily {
        Objects.requireNonNull(preserve, "preserve");
    }

    /** Plain ESD (§1.1). */
    public static EsdFamily esd() {
        return new EsdFamily(Preserve.none(), null);
    }

    /** EAP with K adversarial candidate concepts (§2.1–2.3; K = 100 objects/artists, 50 nudity). */
    public static EsdFamily eap(int k) {
        return esd().preserve(Preserve.adversarial(k));
    }

    /** With another preservation (none, fixed concepts, adversarial, continuous); the vocabulary stays. */
    public EsdFamily preserve(Preserve p) {
        return Records.with(this, "preserve", Objects.requireNonNull(p, "preserve"));
    }

    /** With another candidate pool for EAP's adversarial concepts. */
    public EsdFamily vocabulary(Vocabulary v) {
        return Records.with(this, "vocabulary", Objects.requireNonNull(v, "vocabulary"));
    }

    /** A candidate pool by its official name ("EN3K"); an unknown name is refused here, naming the known ones. */
    public EsdFamily vocabulary(String name) {
        return vocabulary(Vocabulary.named(name));
    }

    /** The candidate pool EAP draws from: the one set, else EN3K. */
    public Vocabulary vocabularyOrDefault() {
        return vocabulary != null ? vocabulary : Vocabulary.english3000();
    }

    /** The name the run's history and result carry ("ESD", "ESD+preserve", "EAP", "EAP-PGD"). */
    @Override
    public String name() {
        if (preserve instanceof Preserve.None) return Esd.NAME;
        if (preserve instanceof Preserve.Fixed) return FixedPreservation.NAME;
        if (preserve instanceof Preserve.Adversarial) return AdversarialPreservation.NAME;
        return ContinuousAdversarial.NAME;
    }

    /** Checks an adversarial preservation against the targets and the vocabulary, naming the bad option. */
    @Override
    public void validate(ErasureModel model, Settings settings) {
        if (preserve instanceof Preserve.Adversarial a) {
            validate(a, settings.targets().size(), vocabularyOrDefault());
        } else if (preserve instanceof Preserve.Continuous c && c.pgdSteps() < 0) {
            throw new IllegalArgumentException("pgdSteps must be ≥ 0, got " + c.pgdSteps());
        }
    }

    private static void validate(Preserve.Adversarial a, int nTargets, Vocabulary vocab) {
        int pool = Math.min(a.kClosest(), vocab.plainWordCount());
        if (a.k() <= 0) throw new IllegalArgumentException("adversarial(K) needs K ≥ 1, got " + a.k());
        if (a.kClosest() <= 0) throw new IllegalArgumentException("kClosest must be ≥ 1, got " + a.kClosest());
        if (a.k() > pool) {
            throw new IllegalArgumentException("adversarial(" + a.k() + ") asks for more concepts than the candidate pool has: "
                    + pool + " (kClosest " + a.kClosest() + ", " + vocab.plainWordCount() + " usable words in " + vocab + ")");
        }
        if (a.k() % nTargets != 0) {
            throw new IllegalArgumentException("K = " + a.k() + " must be divisible by the number of targets (" + nTargets + ")");
        }
        if (a.pgdSteps() < 1) throw new IllegalArgumentException("pgdSteps P must be ≥ 1, got " + a.pgdSteps());
        if (!(a.temperature() > 0) || Double.isInfinite(a.temperature())) {
            throw new IllegalArgumentException("Gumbel temperature must be > 0, got " + a.temperature());
        }
        if (!(a.learningRate() > 0) || Double.isInfinite(a.learningRate())) {
            throw new IllegalArgumentException("Gumbel learning rate must be > 0, got " + a.learningRate());
        }
    }

    /**
     * What a checkpoint of this family must match beyond the common settings, under the names
     * checkpoints have always used ("preserve", "vocabulary"), so older checkpoints still resume.
     */
    public Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("preserve", String.valueOf(preserve));
        Vocabulary v = vocabularyOrDefault();
        c.put("vocabulary", v.name() + "/" + v.size());
        return c;
    }

    /** The per-iteration method this preservation picks, on the run's session. */
    public ErasureMethod erasureMethod(Session s) {
        if (preserve instanceof Preserve.None) return new Esd(s, this);
        if (preserve instanceof Preserve.Fixed) return new FixedPreservation(s, this);
        if (preserve instanceof Preserve.Adversarial) return new AdversarialPreservation(s, this);
        return new ContinuousAdversarial(s, this);
    }

    /** Runs the shared loop with this preservation (a resume is checked against it before any compute). */
    @Override
    public Outcome run(ErasureModel model, Settings settings, ProgressListener listener, Path resumeDir) {
        if (resumeDir != null) Checkpoints.requireCompatible(resumeDir, settings, configuration());
        return Trainer.run(model, settings, listener, resumeDir, this::erasureMethod);
    }
}
