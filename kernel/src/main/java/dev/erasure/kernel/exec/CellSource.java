package dev.erasure.kernel.exec;

/**
 * The text of one cell and where each of its snippets starts, so that positions JShell reports
 * relative to a snippet become the line and column the user sees in the cell.
 */
public final class CellSource {
    private final String text;
    private final int executionCount;
    private final String label;

    public CellSource(String text, int executionCount) {
        this(text, executionCount, "In [" + executionCount + "]");
    }

    private CellSource(String text, int executionCount, String label) {
        this.text = text;
        this.executionCount = executionCount;
        this.label = label;
    }

    /** Code that came from a file (%load), labelled by its path. */
    public static CellSource file(String text, String path) {
        return new CellSource(text, 0, path);
    }

    public String text() { return text; }

    public int executionCount() { return executionCount; }

    /** 1-based line of a character offset in the cell. */
    public int lineOf(int offset) {
        int line = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /** 1-based column of a character offset in the cell. */
    public int columnOf(int offset) {
        int at = Math.min(Math.max(offset, 0), text.length());
        return at - (text.lastIndexOf('\n', at - 1) + 1) + 1;
    }

    /** The text of a 1-based cell line, without its newline ("" when out of range). */
    public String line(int line) {
        String[] lines = text.split("\n", -1);
        return line >= 1 && line <= lines.length ? lines[line - 1] : "";
    }

    /** "In [3]" as Jupyter labels the cell, or the file name of loaded code. */
    public String label() {
        return label;
    }
}
