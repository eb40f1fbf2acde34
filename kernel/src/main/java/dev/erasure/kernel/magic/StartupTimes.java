package dev.erasure.kernel.magic;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the kernel's start-up went, phase by phase, for {@code %jvm} and the start-up bench
 * (bench/scripts/kernel-start.sh): the JVM until {@code main}, then each phase the kernel marks.
 */
public final class StartupTimes {
    private static final Map<String, Long> PHASES = new LinkedHashMap<>();
    private static long last = -1;

    private StartupTimes() { }

    /** Ends the phase {@code name} now (the first call also records the JVM's own start). */
    public static synchronized void mark(String name) {
        long now = System.currentTimeMillis();
        if (last < 0) {
            last = ManagementFactory.getRuntimeMXBean().getStartTime();
        }
        PHASES.put(name, now - last);
        last = now;
    }

    /** "jvm 0.41 s, jshell 2.10 s, …, total 4.20 s", or "" before any mark. */
    public static synchronized String describe() {
        if (PHASES.isEmpty()) return "";
        StringBuilder s = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, Long> e : PHASES.entrySet()) {
            s.append(e.getKey()).append(' ').append(seconds(e.getValue())).append(", ");
            total += e.getValue();
        }
        return s.append("total ").append(seconds(total)).toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
