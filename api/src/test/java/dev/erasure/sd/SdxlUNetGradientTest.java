package dev.erasure.sd;

import dev.erasure.testing.Fixtures;

import java.nio.file.Path;

/** {@link UNetGradientTest} on the SDXL fixture: gradients through the text_time added embedding too. */
class SdxlUNetGradientTest extends UNetGradientTest {
    @Override
    protected Path fixture() {
        return Fixtures.tinySdxl();
    }
}
