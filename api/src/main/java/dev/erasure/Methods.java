package dev.erasure;

import dev.erasure.erase.ConceptAblation;
import dev.erasure.erase.Uce;

/**
 * Erasure methods outside the ESD family, for {@link Erasure#method}:
 * {@code Erasure.of(sd).target("Van Gogh").method(Methods.uce()).run()}. Each factory returns the
 * method's documented default configuration; its fluent options return modified copies.
 */
public final class Methods {
    private Methods() {
    }

    /** UCE, closed-form K/V edit (methods.md §3); defaults = EAP's UCE baseline. */
    public static Uce uce() {
        return Uce.defaults();
    }

    /** Concept Ablation, model-based (methods.md §4); defaults = the documented style configuration. */
    public static ConceptAblation conceptAblation() {
        return ConceptAblation.defaults();
    }
}
