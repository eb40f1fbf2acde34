package dev.erasure.kernel.magic;

import dev.erasure.sd.nn.ConvolutionCheck;
import dev.erasure.sd.nn.Convolutions;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** %jvm shows the libtorch thread settings the kernel runs with (the build sets 1 thread, passive waiting). */
class JvmInfoTest {
    @Test
    void showsThreadCountAndWaitPolicy() {
        String threads = JvmInfo.threads();
        assertTrue(threads.contains("intra-op " + System.getProperty("ai.djl.pytorch.num_threads") + " "), threads);
        assertTrue(threads.contains("OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")), threads);
        assertTrue(threads.contains("OMP_WAIT_POLICY=PASSIVE"), "the build runs tests with passive OpenMP waiting: " + threads);
    }

    @Test
    void showsTheConvolutionPathAndItsCheck() {
        String conv = JvmInfo.convolution();
        assertTrue(conv.startsWith(Convolutions.current().name().toLowerCase(Locale.ROOT) + " (-D" + Convolutions.PROPERTY), conv);
        assertTrue(conv.contains(ConvolutionCheck.result().describe()), conv);
        assertTrue(JvmInfo.describe().contains("Conv     " + conv), "%jvm shows it");
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
