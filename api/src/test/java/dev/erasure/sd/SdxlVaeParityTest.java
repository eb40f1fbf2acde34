package dev.erasure.sd;

import dev.erasure.testing.Fixtures;

import java.nio.file.Path;

/** {@link VaeParityTest} on the SDXL fixture ({@code -Derasure.fixtures.sdxl}): scaling_factor 0.13025 from the config. */
class SdxlVaeParityTest extends VaeParityTest {
    @Override
    protected Path fixture() {
        return Fixtures.tinySdxl();
    }
}
