package dev.erasure.erase;

import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;

/** The model the engine tests run on: the tiny SD fixture, loaded once per test class. */
final class TinyModels {
    private TinyModels() {
    }

    static StableDiffusion load() {
        return StableDiffusion.load(Fixtures.tinySd());
    }
}
