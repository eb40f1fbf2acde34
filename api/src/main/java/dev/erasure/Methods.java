package dev.erasure;

import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.Method;
import dev.erasure.erase.AdvAnchor;
import dev.erasure.erase.AdvUnlearn;
import dev.erasure.erase.ConceptAblation;
import dev.erasure.erase.Uce;

/**
 * Every erasure method, for {@link Erasure#method(Method)}; each factory returns an immutable
 * configuration (a record) at its paper's documented defaults, changed with withers:
 * <pre>
 * Erasure.of(sd).target("nudity").method(Methods.eap(50)).run();   // = .preserve(Preserve.adversarial(50))
 * Erasure.of(sd).target("Van Gogh").method(Methods.uce()).run();
 * Erasure.of(sd).target("nudity").method(Methods.advUnlearn().retain(PromptSet.resource(...))).run();
 * Erasure.of(sd).target("Van Gogh").method(Methods.advAnchor().schedule(AdvAnchor.Schedule.CYCLICAL)).run();
 * </pre>
 */
public final class Methods {
    private Methods() {
    }

    /** Plain ESD (methods.md §1.1): the default method; {@code esd().preserve(..)} adds preservation. */
    public static EsdFamily esd() {
        return EsdFamily.esd();
    }

    /** EAP with K adversarial candidate concepts (methods.md §2; K = 100 objects/artists, 50 nudity). */
    public static EsdFamily eap(int k) {
        return EsdFamily.eap(k);
    }

    /** UCE, closed-form K/V edit (methods.md §3); defaults = EAP's UCE baseline. */
    public static Uce uce() {
        return Uce.eapBaseline();
    }

    /** Concept Ablation, model-based (methods.md §4); defaults = the documented style configuration. */
    public static ConceptAblation conceptAblation() {
        return ConceptAblation.style();
    }

    /** AdvUnlearn (methods.md §5): adversarial unlearning of the text encoder, README configuration. */
    public static AdvUnlearn advUnlearn() {
        return AdvUnlearn.readme();
    }

    /** AdvAnchor (methods.md §6): adversarial anchor for ESD-x, README configuration. */
    public static AdvAnchor advAnchor() {
        return AdvAnchor.readme();
    }
}
