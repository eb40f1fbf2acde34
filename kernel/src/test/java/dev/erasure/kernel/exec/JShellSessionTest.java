package dev.erasure.kernel.exec;

import dev.erasure.kernel.StartupImports;
import dev.erasure.progress.ProgressListener;
import dev.erasure.progress.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        assertTrue(eval("new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB)") instanceof BufferedImage);
        assertSame(JShellSession.NO_VALUE, eval("base + 2;"), "a trailing semicolon hides the value");
        assertSame(JShellSession.NO_VALUE, eval("int other = 1;"));
        eval("Object nothing = null;");
        assertSame(JShellSession.NULL_VALUE, eval("nothing"), "a null value shows as null");
        assertEquals("null", String.valueOf(eval("nothing")));
        assertSame(JShellSession.NO_VALUE, eval("System.out.print(\"\")"), "a void call shows nothing");
    }

    @Test
    void startupImportsAreOneSnippetThatACellsImportCannotReplace() throws Exception {
        assertEquals(1, session.shell().imports().count(), "the startup imports are one snippet");
        assertSame(JShellSession.NO_VALUE, eval("import java.util.*;\nimport java.util.regex.*;\nimport dev.erasure.progress.*;"));
        assertEquals("x 0 true 255", eval("Pattern.compile(\"x\").pattern() + \" \" + new ArrayList<String>().size() + \" \""
                + " + (Task.class != null) + \" \" + Color.RED.getRed()"), "the other startup imports still hold");
        assertTrue(JShellSession.isImportsOnly("// c\nimport a.*;\n\nimport static b.C.*;"));
        assertFalse(JShellSession.isImportsOnly("import a.*;\nint x = 1;"));
    }

    @Test
    void aStartupWithAMissingPackageFallsBackToOneImportAtATime() throws Exception {
        try (JShellSession fresh = new JShellSession(new ExecutionThread())) {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            fresh.runStartup("import java.util.regex.*;\nimport no.such.pkg.*;\nimport java.awt.Color;", new PrintStream(log));
            assertTrue(log.toString().contains("no.such.pkg"), "the bad import is named: " + log);
            assertEquals("x", fresh.eval(new CellSource("Pattern.compile(\"x\").pattern()", 1)), "the imports before it hold");
        }
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
        Object r = interruptInTask("int finished = 0;\n"
                + "try (var task = dev.erasure.progress.Task.start(\"slow\", 20, null)) {\n"
                + "  for (int i = 0; i < 20; i++) {\n"
                + "    long end = System.nanoTime() + 1_200_000_000L;\n"
                + "    while (System.nanoTime() < end) { }\n"
                + "    finished++; task.step();\n"
                + "  }\n"
                + "} catch (dev.erasure.progress.CancelledException e) { }", 1);
        assertEquals("InterruptedException", ((CellError) r).ename(), "the cell still reports the interrupt");
        String tb = String.join("\n", ((CellError) r).traceback());
        assertTrue(tb.contains("In [1], line") && tb.contains("slow"), "the cell line and the task: " + tb);
        assertFalse(tb.contains("FutureTask") || tb.contains("Thread.run"), "no frames of the kernel's thread: " + tb);
        Object finished = eval("finished");
        assertTrue((Integer) finished >= 1 && (Integer) finished < 20, "the task ended at a step, not force-stopped: " + finished);
    }

    /**
     * Runs {@code code} as cell {@code n}, interrupts it once its API task has started (mid-step:
     * on a loaded machine a fixed delay could land in the compiler instead) and returns the result.
     */
    private static Object interruptInTask(String code, int n) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        ProgressListener watch = p -> started.countDown();
        Task.addGlobalListener(watch);
        try {
            CompletableFuture<Object> done = CompletableFuture.supplyAsync(() -> {
                try {
                    return session.eval(new CellSource(code, n));
                } catch (Throwable t) {
                    return t;
                }
            });
            assertTrue(started.await(30, TimeUnit.SECONDS), "the task started");
            Thread.sleep(100);
            session.executor().interrupt();
            return done.get(60, TimeUnit.SECONDS);
        } finally {
            Task.removeGlobalListener(watch);
        }
    }

    private static CellError interrupted(String code) throws Exception {
        Object r = interruptInTask(code, 9);
        return assertInstanceOf(CellError.class, r, "the cell reports the interrupt: " + r);
    }

    /**
     * Declares (in cell 1) an API-style call {@code name(n)}: a task of n steps, each longer than the
     * grace period; when cancelled it returns "partial k" ({@code keepsPartial}) or lets the
     * CancelledException out. Its step loop is on the method's line 3.
     */
    private static void defineRun(String name, String task, boolean keepsPartial) throws Exception {
        eval("String " + name + "(int n) {\n"
                + "  int finished = 0; try (var task = Task.start(\"" + task + "\", n, null)) {\n"
                + "    for (int i = 0; i < n; i++) { long end = System.nanoTime() + 700_000_000L; while (System.nanoTime() < end) { } finished++; task.step(); }\n"
                + (keepsPartial ? "  } catch (CancelledException e) { }\n" : "  }\n")
                + "  return \"partial \" + finished;\n"
                + "}");
    }

    @Test
    void interruptMessageSaysWhereThePartialResultIs() throws Exception {
        // an API-style call: steps longer than the grace period, the partial result returned when cancelled
        defineRun("slowRun", "slow run", true);
        CellError declared = interrupted("int before = 1;\nString r = slowRun(20);\nint after = 2;");
        assertTrue(declared.evalue().matches("Cell interrupted at In \\[9\\], line 2: slow run stopped at \\d+ of 20; partial result in r .*"),
                declared.evalue());
        assertTrue(((String) eval("r")).startsWith("partial "), "r is bound to the partial result");
        assertTrue(declared.evalue().contains("stopped at " + ((String) eval("r")).substring("partial ".length()) + " of 20"),
                "the message counts the steps the result holds: " + declared.evalue());

        eval("r = null;");
        CellError assigned = interrupted("r = slowRun(20);");
        assertTrue(assigned.evalue().contains("; partial result in r "), assigned.evalue());
        assertTrue(((String) eval("r")).startsWith("partial "));

        CellError bare = interrupted("slowRun(20)");
        Matcher m = Pattern.compile("partial result in (\\$\\d+) ").matcher(bare.evalue());
        assertTrue(m.find(), bare.evalue());
        assertTrue(((String) eval(m.group(1))).startsWith("partial "), "a bare expression's result is kept in JShell's " + m.group(1));
    }

    @Test
    void interruptMessageSaysWhenNothingWasReturned() throws Exception {
        defineRun("failingRun", "failing run", false);
        CellError e = interrupted("String q = failingRun(20);");
        // the innermost cell line: the step loop of failingRun, declared in cell 1
        assertTrue(e.evalue().matches("Cell interrupted at In \\[1\\], line 3: failing run stopped at \\d+ of 20; it returned no partial result .*"),
                e.evalue());
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
