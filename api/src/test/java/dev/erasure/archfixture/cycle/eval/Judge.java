package dev.erasure.archfixture.cycle.eval;

import dev.erasure.archfixture.cycle.erase.Method;

/** Fixture of ArchitectureTest: half of a deliberate erase ↔ eval cycle. */
public class Judge {
    public double score(Method m) {
        return m.hashCode();
    }
}
