package dev.erasure.erase;

import ai.djl.ndarray.NDManager;

/** The model the engine tests run on (the tiny fixture). */
final class TinyModels {
    private TinyModels() {
    }

    static ErasureModel load(NDManager manager) {
        return new FakeModel(manager);
    }
}
