package dev.erasure.kernel.exec;

import dev.erasure.progress.Task;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * An in-process JShell whose every evaluation runs on the kernel's single execution thread.
 * State (variables, methods, classes, loaded native libraries) lives as long as the kernel.
 */
public final class JShellSession implements AutoCloseable {
    /** Returned by {@link #eval} when the last snippet of a cell has no value to show. */
    public static final Object NO_VALUE = new Object() {
        @Override public String toString() { return "<no value>"; }
    };

    /** The value of an expression that is null: shown as "null", as IPython shows None. */
    public static final Object NULL_VALUE = new Object() {
        @Override public String toString() { return "null"; }
    };

    private final ExecutionThread executor;
    private final KernelExecutionControl control;
    private final JShell shell;
    private final Map<String, ErrorFormatter.Origin> origins = new ConcurrentHashMap<>();
    private final Interruption interruption;

    public JShellSession(ExecutionThread executor) throws Exception {
        this.executor = executor;
        this.control = new KernelExecutionControl(executor);
        this.interruption = new Interruption(executor.thread());
        String noSources = SourcePath.install();
        if (noSources != null) System.err.println("[erasure kernel] " + noSources);
        Task.addGlobalListener(interruption);
        ExecutionControlProvider provider = new ExecutionControlProvider() {
            @Override public String name() { return "erasure-direct"; }

            @Override public ExecutionControl generate(ExecutionEnv env, Map<String, String> params) { return control; }
        };
        // JShell's own out/err only carry its diagnostics; cell output goes through System.out.
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        this.shell = executor.run(() -> JShell.builder()
                .executionEngine(provider, Map.of())
                .out(quiet).err(quiet)
                .compilerOptions("-Xlint:none")
                .build());
    }

    public ExecutionThread executor() { return executor; }

    /**
     * Heads the startup imports when they run as one snippet: an import no cell repeats. JShell
     * replaces a snippet by a later one with the same first import, so a cell that imports, say,
     * java.util.* again must not be able to replace (and drop) the whole batch.
     */
    static final String IMPORT_BATCH_HEAD = "import dev.erasure.kernel.exec.JShellSession;";

    /** Runs startup code (imports); failures are reported, not fatal, so the kernel still starts. */
    public void runStartup(String code, PrintStream warnings) {
        try {
            if (isImportsOnly(code) && evalImportBatch(code)) return;
            eval(new CellSource(code, 0));
        } catch (Exception e) {
            warnings.println("[erasure kernel] startup snippet failed: " + e.getMessage());
        }
    }

    /**
     * All the imports as one snippet: JShell compiles it once instead of once per import, each
     * time with every earlier import (45 imports: 4.4 s → 1.1 s, bench/README.md "Kernel
     * start-up"). False when JShell does not take it whole (a missing package): then the caller
     * runs them one by one, which names the bad one.
     */
    private boolean evalImportBatch(String imports) throws Exception {
        return executor.run(() -> {
            // on one line: JShell copies import sources into every snippet's wrapper, whose line
            // numbers the stacks of forced stops are mapped back with (WRAPPER_LINES)
            String batch = imports.lines().map(String::strip).filter(l -> l.startsWith("import "))
                    .collect(Collectors.joining(" ", IMPORT_BATCH_HEAD + " ", ""));
            List<SnippetEvent> events = shell.eval(batch);
            boolean whole = events.stream().allMatch(e -> e.status() == Snippet.Status.VALID);
            if (!whole) events.forEach(e -> shell.drop(e.snippet()));
            return whole;
        });
    }

    /** Whether every line is an import, a comment or blank. */
    static boolean isImportsOnly(String code) {
        return code.lines().map(String::strip)
                .allMatch(l -> l.isEmpty() || l.startsWith("//") || (l.startsWith("import ") && l.endsWith(";")));
    }

    /**
     * Evaluates a whole cell, snippet by snippet, on the execution thread. Returns the value of
     * the last snippet when it is an expression, else {@link #NO_VALUE}.
     */
    public Object eval(CellSource cell) throws Exception {
        return executor.run(() -> evalOnThread(cell));
    }

    private Object evalOnThread(CellSource cell) throws CellError {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String rest = cell.text();
        int consumed = 0;
        Object last = NO_VALUE;
        control.clearResults();
        interruption.reset();
        try {
            while (!rest.isBlank()) {
                CompletionInfo info = analysis.analyzeCompletion(rest);
                if (info.completeness() == Completeness.EMPTY) break;
                int used = rest.length() - info.remaining().length();
                if (!info.completeness().isComplete()) used = rest.length();
                // JShell numbers lines from the snippet's first token for some snippet kinds and
                // from its first character for others: start every snippet at its first token.
                int lead = leadingTrivia(rest, used);
                if (lead < used) last = evalSnippet(cell, consumed + lead, rest.substring(lead, used));
                consumed += used;
                rest = rest.substring(used);
            }
        } catch (CellError e) {
            throw e;
        } catch (Throwable t) {
            // Thrown outside snippet code (e.g. a forced stop landing in JShell or an OOM there).
            throw runtimeError(locate(t));
        } finally {
            control.clearResults();
        }
        return last;
    }

    private Object evalSnippet(CellSource cell, int start, String source) throws CellError {
        Object value = NO_VALUE;
        SnippetEvent last = null;
        for (SnippetEvent event : shell.eval(source)) {
            if (event.causeSnippet() != null) continue;  // side effects on earlier snippets
            last = event;
            Snippet snippet = event.snippet();
            origins.put(snippet.id(), new ErrorFormatter.Origin(cell, start));
            if (event.status() == Snippet.Status.REJECTED) {
                Diag diag = shell.diagnostics(snippet).filter(Diag::isError).findFirst().orElse(null);
                if (diag == null) {
                    throw new CellError("CompilationError", "rejected: " + source.strip(), List.of("could not compile: " + source.strip()));
                }
                throw ErrorFormatter.compileError(cell, start, source, diag);
            }
            if (event.exception() instanceof UnresolvedReferenceException u) throw ErrorFormatter.unresolved(u);
            if (event.exception() != null) throw runtimeError(locate(event.exception()));
            Object result = control.takeResult(event.value());
            // As in IPython, a trailing semicolon hides the value: display(x); shows x once, not its id.
            boolean hidden = source.stripTrailing().endsWith(";");
            boolean shown = showsValue(snippet) && !hidden;
            value = !shown ? NO_VALUE : result != null ? result : "null".equals(event.value()) ? NULL_VALUE : NO_VALUE;
        }
        if (executor.wasInterrupted()) {
            // The interrupted call returned (an API task's partial result) or the cell caught the
            // CancelledException: stop the cell here, and say where the partial result is.
            ErrorFormatter.Origin origin = new ErrorFormatter.Origin(cell, start);
            String message = interruption.message(keptIn(last), false, origin.label(1));
            throw ErrorFormatter.runtime(new InterruptedException("interrupted"), origins, message);
        }
        return value;
    }

    /** A snippet's runtime failure; an interrupted cell's says where it stopped and what it kept. */
    private CellError runtimeError(Throwable t) {
        String message = executor.wasInterrupted() ? interruption.message(null, true, ErrorFormatter.cellLine(t, origins)) : null;
        return ErrorFormatter.runtime(t, origins, message);
    }

    /**
     * The variable that holds a snippet's value: the declared one ({@code var r = e.run();}), the
     * assigned one ({@code r = e.run();}) or JShell's own {@code $n} for a bare expression; null
     * for statements and null values.
     */
    private static String keptIn(SnippetEvent event) {
        if (event == null || event.value() == null || "null".equals(event.value())) return null;
        if (event.snippet() instanceof VarSnippet v) return v.name();
        if (event.snippet() instanceof ExpressionSnippet e && e.subKind() == Snippet.SubKind.ASSIGNMENT_SUBKIND) return e.name();
        return null;
    }

    /**
     * A forced stop's ThreadDeath is created on the kernel's timer thread and carries that
     * thread's stack; give it the cell's stack at the moment of the stop, so the message names
     * the user's line.
     */
    private Throwable locate(Throwable t) {
        StackTraceElement[] at = executor.stoppedAt();
        boolean death = t instanceof ThreadDeath
                || (t instanceof EvalException e && ThreadDeath.class.getName().equals(e.getExceptionClassName()));
        if (death && at != null && at.length > 0) t.setStackTrace(asSnippetFrames(at));
        return t;
    }

    /**
     * A live stack names snippet classes REPL.$JShell$N in file $JShell$N.java, with lines of the
     * generated wrapper (package, imports, class and method headers: 4 lines, measured by
     * JShellSessionTest); JShell's own traces say #N and the snippet's line.
     */
    private static final int WRAPPER_LINES = 4;

    private static StackTraceElement[] asSnippetFrames(StackTraceElement[] stack) {
        StackTraceElement[] out = new StackTraceElement[stack.length];
        for (int i = 0; i < stack.length; i++) {
            StackTraceElement f = stack[i];
            String file = f.getFileName();
            out[i] = file != null && file.startsWith("$JShell$") && file.endsWith(".java")
                    ? new StackTraceElement(f.getClassName(), f.getMethodName(),
                            "#" + file.substring("$JShell$".length(), file.length() - ".java".length()),
                            Math.max(1, f.getLineNumber() - WRAPPER_LINES))
                    : f;
        }
        return out;
    }

    /** Length of the whitespace and comments that open {@code text} (within its first {@code limit} chars). */
    static int leadingTrivia(String text, int limit) {
        int i = 0;
        while (i < limit) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (text.startsWith("//", i)) {
                int nl = text.indexOf('\n', i);
                i = nl < 0 || nl >= limit ? limit : nl + 1;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                if (end < 0 || end + 2 > limit) return i;
                i = end + 2;
            } else {
                break;
            }
        }
        return Math.min(i, limit);
    }

    /** Expressions show their value; declarations and assignments do not, as in IPython. */
    private static boolean showsValue(Snippet snippet) {
        return switch (snippet.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND, VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND -> true;
            default -> false;
        };
    }

    /** Jupyter's is_complete: "complete", "incomplete", "invalid" or "unknown". */
    public String completeness(String code) {
        String rest = code;
        while (!rest.isBlank()) {
            CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(rest);
            switch (info.completeness()) {
                case EMPTY: return "complete";
                case DEFINITELY_INCOMPLETE: case CONSIDERED_INCOMPLETE: return "incomplete";
                case UNKNOWN: return "invalid";
                default: rest = info.remaining();
            }
        }
        return "complete";
    }

    public JShell shell() { return shell; }

    /** Longest value text Shift-Tab shows for a variable. */
    private static final int VALUE_CHARS = 400;

    /**
     * Shift-Tab on a variable: "name : Type" and its value's text (cut to a tooltip's length), or
     * null when {@code name} is not a variable of this session. The value's toString runs on the
     * execution thread, where the objects live.
     */
    public String describeVariable(String name) throws Exception {
        VarSnippet v = shell.variables().filter(s -> s.name().equals(name)).reduce((a, b) -> b).orElse(null);
        if (v == null) return null;
        String value;
        try {
            value = executor.run(() -> shell.varValue(v));
        } catch (Exception e) {  // a toString that throws must not turn Shift-Tab into an error
            value = "(its toString() failed: " + e + ")";
        }
        if (value.length() > VALUE_CHARS) value = value.substring(0, VALUE_CHARS) + " …";
        return name + " : " + v.typeName() + "\n" + value;
    }

    /** Adds a jar or class folder to both the compiler's and the class loader's path. */
    public void addToClasspath(String path) throws Exception {
        executor.run(() -> { shell.addToClasspath(path); return null; });
    }

    @Override
    public void close() {
        Task.removeGlobalListener(interruption);
        shell.close();
    }
}
