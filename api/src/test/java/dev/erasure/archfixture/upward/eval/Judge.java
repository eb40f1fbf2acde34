package dev.erasure.archfixture.upward.eval;

/** Fixture of ArchitectureTest: a class of the eval layer that erase must not import. */
public class Judge {
    public double score() {
        return 1;
    }
}
