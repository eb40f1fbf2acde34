package dev.erasure;

import dev.erasure.erase.Method;
import dev.erasure.erase.AdvAnchor;
import dev.erasure.erase.AdvUnlearn;
import dev.erasure.erase.ConceptAblation;
import dev.erasure.erase.Uce;

/**
 * Erasure methods outside the ESD family, for {@link Erasure#method(Method)}; each factory returns
 * an immutable configuration at its paper's documented defaults, changed with withers:
 * <pre>
 * Erasure.of(sd).target("Van Gogh").method(Methods.uce()).run();
 * Erasure.of(sd).target("nudity").method(Methods.advUnlearn().retain(PromptSet.resource(...))).run();
 * Erasure.of(sd).target("Van Gogh").method(Methods.advAnchor().schedule(AdvAnchor.Schedule.CYCLICAL)).run();
 * </pre>
 */
public final class Methods {
    private Methods() {
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
