package dev.erasure.sd;

import dev.erasure.testing.Fixtures;

import java.nio.file.Path;

/** {@link UNetGradientTest} on the SD-2.x fixture ({@code -Derasure.fixtures.sd2}, default tiny-sd2). */
class Sd2UNetGradientTest extends UNetGradientTest {
    @Override
    protected Path fixture() {
        return Fixtures.tinySd2();
    }
}
