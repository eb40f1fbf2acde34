package dev.erasure.kernel.magic;

import ai.djl.engine.Engine;
import dev.erasure.sd.nn.ConvolutionCheck;
import dev.erasure.sd.nn.Convolutions;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/** What %jvm prints: Java, memory, and the DJL engine and device the API will use. */
final class JvmInfo {
    private JvmInfo() { }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        StringBuilder s = new StringBuilder();
        s.append("Java     ").append(System.getProperty("java.vm.name")).append(' ')
                .append(Runtime.version()).append(" (").append(System.getProperty("java.home")).append(")\n");
        s.append("JVM args ").append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())).append('\n');
        s.append("Heap     used ").append(mb(rt.totalMemory() - rt.freeMemory())).append(" / committed ")
                .append(mb(rt.totalMemory())).append(" / max ").append(mb(rt.maxMemory())).append('\n');
        s.append("CPUs     ").append(rt.availableProcessors()).append('\n');
        s.append("Threads  ").append(threads()).append('\n');
        s.append("DJL      ").append(djl()).append('\n');
        s.append("Conv     ").append(convolution()).append('\n');
        String startup = StartupTimes.describe();
        if (!startup.isEmpty()) s.append("Start-up ").append(startup).append('\n');
        return s.toString();
    }

    /**
     * libtorch's thread settings: install.sh writes one intra-op thread per core the machine
     * gives the process and passive OpenMP waiting (spinning collapses on shared cores; measured
     * in bench/threads-*.txt); {@code install.sh --threads N} overrides the count.
     */
    static String threads() {
        String n = System.getProperty("ai.djl.pytorch.num_threads");
        String wait = System.getenv("OMP_WAIT_POLICY");
        return "libtorch intra-op " + (n == null ? "libtorch's default (not set)" : n)
                + " (ai.djl.pytorch.num_threads; install.sh --threads N), OMP_WAIT_POLICY="
                + (wait == null ? "unset (OpenMP spins: slow on a shared machine)" : wait);
    }

    /** Loading the engine loads libtorch (seconds, once); any failure is reported, not thrown. */
    private static String djl() {
        try {
            Engine engine = Engine.getInstance();
            return engine.getEngineName() + " " + engine.getVersion() + ", default device " + engine.defaultDevice()
                    + ", GPUs " + engine.getGpuCount() + ", offline=" + System.getProperty("ai.djl.offline", "false");
        } catch (Throwable t) {
            return "no engine available (" + t + ")";
        }
    }

    /** The CPU convolution float32 layers run (README "Reliability") and the start-up check behind it. */
    static String convolution() {
        try {
            return Convolutions.current().name().toLowerCase(Locale.ROOT) + " (-D" + Convolutions.PROPERTY + "; "
                    + ConvolutionCheck.result().describe() + ")";
        } catch (Throwable t) {
            return "not checked (" + t + ")";
        }
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
