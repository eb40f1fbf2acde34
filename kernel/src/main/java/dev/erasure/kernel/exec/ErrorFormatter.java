package dev.erasure.kernel.exec;

import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.UnresolvedReferenceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns JShell's errors into what a notebook user needs: compile errors at the cell's line and
 * column with the offending source line underlined, runtime exceptions with the frames of the
 * user's own cells first (mapped back to "In [n], line m") and the library frames after them.
 */
final class ErrorFormatter {
    static final String RED = "\u001b[0;31m";
    static final String BOLD = "\u001b[1m";
    static final String RESET = "\u001b[0m";
    private static final Pattern SNIPPET_FILE = Pattern.compile("#(\\d+)");
    private static final int MAX_LIBRARY_FRAMES = 12;
    private static final int MAX_CELL_FRAMES = 20;

    /** Where a snippet's text lives: its cell and its start offset in that cell. */
    record Origin(CellSource cell, int start) {
        /** The cell line of the snippet's line {@code snippetLine} (1-based). */
        int cellLine(int snippetLine) {
            return cell.lineOf(start) + snippetLine - 1;
        }

        /** "In [n], line m" for the snippet's line {@code snippetLine}. */
        String label(int snippetLine) {
            return cell.label() + ", line " + cellLine(snippetLine);
        }
    }

    private ErrorFormatter() { }

    static CellError compileError(CellSource cell, int snippetStart, String snippetSource, Diag diag) {
        long rel = diag.getStartPosition() >= 0 ? diag.getStartPosition() : Math.max(0, diag.getPosition());
        long relEnd = Math.max(diag.getEndPosition(), rel + 1);
        int at = snippetStart + (int) Math.min(rel, snippetSource.length());
        int line = cell.lineOf(at);
        int col = cell.columnOf(at);
        String message = diag.getMessage(Locale.ROOT);
        String first = message.lines().findFirst().orElse(message);

        List<String> tb = new ArrayList<>();
        tb.add(RED + BOLD + "Compile error" + RESET + " in " + cell.label() + ", line " + line + ", column " + col + ":");
        message.lines().forEach(l -> tb.add("  " + l));
        String src = cell.line(line);
        int width = (int) Math.max(1, Math.min(relEnd - rel, src.length() - (col - 1)));
        tb.add(String.format("%5d | %s", line, src));
        tb.add("      | " + " ".repeat(Math.max(0, col - 1)) + RED + "^".repeat(width) + RESET);
        return new CellError("CompilationError", first + " (" + cell.label() + ", line " + line + ", column " + col + ")", tb);
    }

    static CellError unresolved(UnresolvedReferenceException e) {
        String what = e.getSnippet().source().strip().lines().findFirst().orElse("");
        String msg = "'" + what + "' uses a name that is not defined yet; define it in a cell, then run this again";
        return new CellError("UnresolvedReferenceException", msg, List.of(RED + "UnresolvedReferenceException" + RESET + ": " + msg));
    }

    /**
     * A runtime failure of cell code; {@code origins} maps JShell snippet ids to cell positions.
     * {@code interruptMessage}: what an interrupted cell says (see {@link Interruption}), null when
     * the cell was not interrupted.
     */
    static CellError runtime(Throwable t, Map<String, Origin> origins, String interruptMessage) {
        String className = className(t);
        String message = t.getMessage() == null ? "" : t.getMessage();
        List<String> tb = new ArrayList<>();
        String ename = className;
        String evalue = message;
        if (interruptMessage != null) {
            ename = "InterruptedException";
            evalue = interruptMessage;
            // The kernel's own signal (no cell frame, no cause) has only the execution thread's
            // frames: the message already says where the cell stopped and what it kept.
            if (t instanceof InterruptedException && t.getCause() == null && cellLine(t, origins) == null) {
                tb.add(RED + BOLD + "InterruptedException" + RESET + ": " + evalue);
                return new CellError(ename, evalue, tb);
            }
            tb.add(RED + BOLD + "InterruptedException" + RESET + ": " + evalue + " (stopped in " + className
                    + (message.isEmpty() ? "" : ": " + message) + ")");
        }
        appendThrowable(tb, t, origins, "");
        return new CellError(ename, evalue, tb);
    }

    /** "In [n], line m" of the innermost cell frame of {@code t}'s stack, or null when it has none. */
    static String cellLine(Throwable t, Map<String, Origin> origins) {
        for (StackTraceElement f : t.getStackTrace()) {
            Matcher m = SNIPPET_FILE.matcher(f.getFileName() == null ? "" : f.getFileName());
            Origin origin = m.matches() ? origins.get(m.group(1)) : null;
            if (origin != null) return origin.label(Math.max(1, f.getLineNumber()));
        }
        return null;
    }

    private static void appendThrowable(List<String> tb, Throwable t, Map<String, Origin> origins, String prefix) {
        String msg = t.getMessage() == null ? "" : ": " + t.getMessage();
        tb.add(prefix + RED + BOLD + className(t) + RESET + msg);
        List<String> cellFrames = new ArrayList<>();
        List<String> libraryFrames = new ArrayList<>();
        int hiddenLibrary = 0;
        for (StackTraceElement f : t.getStackTrace()) {
            String file = f.getFileName() == null ? "" : f.getFileName();
            Matcher m = SNIPPET_FILE.matcher(file);
            if (m.matches()) {
                if (cellFrames.size() < MAX_CELL_FRAMES) cellFrames.add(cellFrame(f, origins.get(m.group(1))));
            } else if (isPlumbing(f)) {
                // reflection and JShell's own frames mean nothing to the user
            } else if (libraryFrames.size() < MAX_LIBRARY_FRAMES) {
                libraryFrames.add("    at " + f);
            } else {
                hiddenLibrary++;
            }
        }
        tb.addAll(cellFrames);
        if (!libraryFrames.isEmpty()) {
            tb.add("  library frames:");
            tb.addAll(libraryFrames);
            if (hiddenLibrary > 0) tb.add("    ... " + hiddenLibrary + " more");
        }
        Throwable cause = t.getCause();
        if (cause != null && cause != t) appendThrowable(tb, cause, origins, "Caused by: ");
    }

    private static String cellFrame(StackTraceElement f, Origin origin) {
        String method = f.getMethodName() == null || f.getMethodName().isEmpty() || f.getMethodName().startsWith("do_it$")
                ? "" : " in " + f.getMethodName() + "()";
        if (origin == null) return "    at snippet " + f.getFileName() + ", line " + f.getLineNumber() + method;
        int line = origin.cellLine(Math.max(1, f.getLineNumber()));
        return "    at " + origin.label(Math.max(1, f.getLineNumber())) + method + ":  " + origin.cell().line(line).strip();
    }

    private static boolean isPlumbing(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.")
                || c.startsWith("jdk.jshell.") || c.startsWith("dev.erasure.kernel.");
    }

    static String className(Throwable t) {
        return t instanceof EvalException e ? e.getExceptionClassName() : t.getClass().getName();
    }
}
