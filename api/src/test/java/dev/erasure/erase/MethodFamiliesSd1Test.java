package dev.erasure.erase;

/** {@link MethodFamiliesTest}'s matrix on the SD-1 fixture (erasure.fixtures). */
class MethodFamiliesSd1Test extends MethodFamiliesTest {
    MethodFamiliesSd1Test() {
        super("SD-1");
    }
}
