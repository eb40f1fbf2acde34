package dev.erasure.kernel.exec;

import dev.erasure.progress.Task;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** An interrupt during a long step of an open API task waits for the task's partial result instead of force-stopping. */
class ExecutionThreadTest {
    /** Work that ignores interrupts for {@code millis} (a long native UNet call), then returns. */
    private static String longStep(ExecutionThread t, long millis) {
        t.enterUserCode();
        try {
            long end = System.nanoTime() + millis * 1_000_000;
            double x = 0;
            while (System.nanoTime() < end) x += Math.sqrt(x + 1);
            return "partial result";
        } finally {
            t.exitUserCode();
        }
    }

    private static Object interruptDuring(ExecutionThread t, boolean inTask) throws Exception {
        CompletableFuture<Object> done = CompletableFuture.supplyAsync(() -> {
            try {
                return t.run(() -> {
                    if (!inTask) return longStep(t, 4 * ExecutionThread.GRACE_MILLIS);
                    try (Task task = Task.start("step", 1, null)) { // an API task: it checks cancellation
                        return longStep(t, 4 * ExecutionThread.GRACE_MILLIS);
                    }
                });
            } catch (Throwable e) {
                return e;
            }
        });
        Thread.sleep(100);
        t.interrupt();
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void openTaskKeepsItsPartialResult() throws Exception {
        ExecutionThread t = new ExecutionThread();
        assertEquals("partial result", interruptDuring(t, true));
    }

    @Test
    void withoutATaskTheLoopIsForceStopped() throws Exception {
        ExecutionThread t = new ExecutionThread();
        assertInstanceOf(ThreadDeath.class, interruptDuring(t, false));
    }
}
