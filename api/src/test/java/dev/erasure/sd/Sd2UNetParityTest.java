package dev.erasure.sd;

import dev.erasure.testing.Fixtures;

import java.nio.file.Path;

/** {@link UNetParityTest} on the SD-2.x fixture ({@code -Derasure.fixtures.sd2}, default tiny-sd2). */
class Sd2UNetParityTest extends UNetParityTest {
    @Override
    protected Path fixture() {
        return Fixtures.tinySd2();
    }
}
