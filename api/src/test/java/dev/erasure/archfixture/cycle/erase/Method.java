package dev.erasure.archfixture.cycle.erase;

import dev.erasure.archfixture.cycle.eval.Judge;

/** Fixture of ArchitectureTest: an erase class that uses eval (upward), which uses it back (a cycle). */
public class Method {
    public double judged() {
        return new Judge().score(this);
    }
}
