package dev.erasure.sd;

import dev.erasure.testing.Fixtures;

import java.nio.file.Path;

/** {@link ClipTextParityTest} on the SD-2.x fixture ({@code -Derasure.fixtures.sd2}, default tiny-sd2). */
class Sd2ClipTextParityTest extends ClipTextParityTest {
    @Override
    protected Path fixture() {
        return Fixtures.tinySd2();
    }
}
