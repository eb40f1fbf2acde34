package dev.erasure.archfixture.upward.erase;

import dev.erasure.archfixture.upward.eval.Judge;

/** Fixture of ArchitectureTest: erase importing eval, a layer above it (no cycle). */
public class Loop {
    public double run() {
        return new Judge().score();
    }
}
