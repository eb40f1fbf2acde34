package dev.erasure.kernel.magic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** %jvm shows the libtorch thread settings the kernel runs with (the build sets 1 thread, passive waiting). */
class JvmInfoTest {
    @Test
    void showsThreadCountAndWaitPolicy() {
        String threads = JvmInfo.threads();
        assertTrue(threads.contains("intra-op " + System.getProperty("ai.djl.pytorch.num_threads") + " "), threads);
        assertTrue(threads.contains("OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")), threads);
        assertTrue(threads.contains("OMP_WAIT_POLICY=PASSIVE"), "the build runs tests with passive OpenMP waiting: " + threads);
        assertTrue(threads.contains("MALLOC_PERTURB_=255"), "the build runs tests with zero-filled malloc blocks: " + threads);
    }

    @Test
    void startupPhasesAreListedInOrderWithTheirTotal() {
        StartupTimes.mark("phase one");
        StartupTimes.mark("phase two");
        String s = StartupTimes.describe();
        assertTrue(s.matches(".*phase one \\d+\\.\\d\\d s, phase two \\d+\\.\\d\\d s, total \\d+\\.\\d\\d s"), s);
        assertTrue(JvmInfo.describe().contains("Start-up " + s), "%jvm shows them");
    }
}
