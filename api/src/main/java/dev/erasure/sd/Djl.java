package dev.erasure.sd;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * The project's DJL set-up in one place: offline mode (no model zoo or native downloads; the
 * PyTorch natives come from Maven jars) is set by the project, not by the user, before the engine
 * starts.
 */
public final class Djl {
    private static volatile boolean started;

    private Djl() {
    }

    /** Sets {@code ai.djl.offline=true} unless the user chose otherwise, then starts the engine. */
    public static Engine engine() {
        if (!started) {
            synchronized (Djl.class) {
                if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
                started = true;
            }
        }
        return Engine.getEngine("PyTorch");
    }

    /**
     * Makes the calling thread compute like the one that started the engine: libtorch's grad mode is
     * per thread, off on that first thread (PtEngine turns it off) but ON on every other one, where
     * forwards would record graphs and an in-place update of a weight fails ("a leaf Variable that
     * requires grad is being used in an in-place operation"). Every entry point that computes outside
     * a GradientCollector (generation, an erasure run, a judge) calls this first, so a thread pool,
     * a kernel worker or a second notebook thread works. Never call it inside a collector.
     */
    public static void gradOffOnThisThread() {
        engine();
        JniUtils.setGradMode(false);
    }

    /**
     * libtorch's intra-op thread count: float sums are split across threads, so 1 and 2 threads give
     * weights that differ in the last bits (seen: max 5e-4 after an ESD run); checkpoints record it.
     */
    public static int threads() {
        engine();
        return JniUtils.getNumThreads();
    }

    /** The GPU if DJL sees one (needs the gpu Maven profile and a CUDA 12.4 driver), else the CPU. */
    public static Device defaultDevice() {
        return engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Parses "cpu", "gpu", "gpu:1", "cuda:0" (as users write it) into a DJL device. */
    public static Device device(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto")) return defaultDevice();
        if (n.equals("cpu")) return Device.cpu();
        if (n.startsWith("gpu") || n.startsWith("cuda")) {
            int colon = n.indexOf(':');
            int id = colon < 0 ? 0 : Integer.parseInt(n.substring(colon + 1));
            if (engine().getGpuCount() <= id) {
                throw new IllegalArgumentException("device '" + name + "' requested but DJL sees "
                        + engine().getGpuCount() + " GPU(s); build with -Pgpu and check the CUDA 12.4 driver");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (use cpu, gpu, gpu:N or auto)");
    }
}
