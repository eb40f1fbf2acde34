package dev.erasure.kernel.exec;

import dev.erasure.kernel.StartupImports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class JShellSessionTest {
    static JShellSession session;

    @BeforeAll
    static void start() throws Exception {
        session = new JShellSession(new ExecutionThread());
        session.runStartup(StartupImports.all(), System.err);
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    private static Object eval(String code) throws Exception {
        return session.eval(new CellSource(code, 1));
    }

    @Test
    void keepsStateAndReturnsRealObjects() throws Exception {
        eval("int base = 40;");
        assertEquals(42, eval("base + 2"));
        assertTrue(eval("new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB)") instanceof java.awt.image.BufferedImage);
        assertSame(JShellSession.NO_VALUE, eval("base + 2;"), "a trailing semicolon hides the value");
        assertSame(JShellSession.NO_VALUE, eval("int other = 1;"));
        eval("Object nothing = null;");
        assertSame(JShellSession.NULL_VALUE, eval("nothing"), "a null value shows as null");
        assertEquals("null", String.valueOf(eval("nothing")));
        assertSame(JShellSession.NO_VALUE, eval("System.out.print(\"\")"), "a void call shows nothing");
    }

    @Test
    void compileErrorHasCellLineAndColumn() {
        CellError e = assertThrows(CellError.class, () -> eval("int a = 1;\n  // note\n  int b = \"x\";"));
        assertEquals("CompilationError", e.ename());
        assertTrue(e.evalue().contains("line 3, column 11"), e.evalue());
        assertTrue(e.traceback().stream().anyMatch(l -> l.contains("int b = \"x\";")));
    }

    @Test
    void runtimeErrorListsCellFrameFirst() {
        CellError e = assertThrows(CellError.class, () -> eval("int z = 0;\n\nint w = 5 / z;"));
        assertEquals("java.lang.ArithmeticException", e.ename());
        assertTrue(e.traceback().get(1).contains("In [1], line 3"), e.traceback().toString());
    }

    @Test
    void interruptStopsCancellableLoopQuickly() throws Exception {
        CompletableFuture<Throwable> done = CompletableFuture.supplyAsync(() -> {
            try {
                eval("while (true) { Cancellation.checkIfCancelled(); }");
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(500);
        long start = System.nanoTime();
        session.executor().interrupt();
        Throwable t = done.get(5, TimeUnit.SECONDS);
        assertTrue((System.nanoTime() - start) / 1e9 < 1.0);
        assertEquals("InterruptedException", ((CellError) t).ename());
        assertEquals(3, eval("1 + 2"), "the kernel keeps working");
    }

    @Test
    void interruptLetsASlowApiTaskEndWithItsPartialResult() throws Exception {
        // each step outlasts the grace period: a forced stop would lose the run (and could cut a checkpoint write)
        CompletableFuture<Object> done = CompletableFuture.supplyAsync(() -> {
            try {
                return eval("int finished = 0;\n"
                        + "try (var task = dev.erasure.progress.Task.start(\"slow\", 20, null)) {\n"
                        + "  for (int i = 0; i < 20; i++) {\n"
                        + "    long end = System.nanoTime() + 1_200_000_000L;\n"
                        + "    while (System.nanoTime() < end) { }\n"
                        + "    finished++; task.step();\n"
                        + "  }\n"
                        + "} catch (dev.erasure.progress.CancelledException e) { }");
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(300);
        session.executor().interrupt();
        Object r = done.get(30, TimeUnit.SECONDS);
        assertEquals("InterruptedException", ((CellError) r).ename(), "the cell still reports the interrupt");
        Object finished = eval("finished");
        assertTrue((Integer) finished >= 1 && (Integer) finished < 20, "the task ended at a step, not force-stopped: " + finished);
    }

    @Test
    void forcedStopNamesTheCellLineNotTheTimerThread() throws Exception {
        eval("void spin() { long n = 0; while (true) n++; }");
        CompletableFuture<Throwable> done = CompletableFuture.supplyAsync(() -> {
            try {
                session.eval(new CellSource("int before = 1;\nspin();", 7));
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(500);
        session.executor().interrupt();
        CellError e = (CellError) done.get(5, TimeUnit.SECONDS);
        String tb = String.join("\n", e.traceback());
        assertEquals("InterruptedException", e.ename());
        assertTrue(tb.contains("In [7], line 2") && tb.contains("spin()"), tb);
        assertFalse(tb.contains("ScheduledThreadPoolExecutor") || tb.contains("forceStop"), tb);
    }

    @Test
    void completenessAndTrivia() {
        assertEquals("complete", session.completeness("int x = 1;"));
        assertEquals("incomplete", session.completeness("for (int i = 0; i < 3; i++) {"));
        assertEquals(12, JShellSession.leadingTrivia("  // c\n /**/x", 13));
    }
}
