package dev.erasure.kernel.exec;

import java.util.List;

/**
 * A cell failed. Carries what Jupyter shows: the error name ({@code ename}), its message
 * ({@code evalue}) and the formatted traceback lines, already mapped to cell lines.
 */
public final class CellError extends Exception {
    private final String ename;
    private final List<String> traceback;

    public CellError(String ename, String evalue, List<String> traceback) {
        super(evalue, null, false, false);
        this.ename = ename;
        this.traceback = List.copyOf(traceback);
    }

    public String ename() { return ename; }

    public String evalue() { return getMessage() == null ? "" : getMessage(); }

    public List<String> traceback() { return traceback; }
}
