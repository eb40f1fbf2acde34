package dev.erasure.erase;

/** {@link MethodFamiliesTest}'s matrix on the SD-2 v-prediction fixture (erasure.fixtures.sd2). */
class MethodFamiliesSd2Test extends MethodFamiliesTest {
    MethodFamiliesSd2Test() {
        super("SD-2 (v)");
    }
}
