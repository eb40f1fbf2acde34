package dev.erasure.erase;

/** {@link MethodFamiliesTest}'s matrix on the SDXL fixture (erasure.fixtures.sdxl). */
class MethodFamiliesSdxlTest extends MethodFamiliesTest {
    MethodFamiliesSdxlTest() {
        super("SDXL");
    }
}
