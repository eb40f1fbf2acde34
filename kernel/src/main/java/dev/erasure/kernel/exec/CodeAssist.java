package dev.erasure.kernel.exec;

import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.SourceCodeAnalysis.Documentation;
import jdk.jshell.SourceCodeAnalysis.Suggestion;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Tab completion and shift-tab inspection from JShell's own source analysis. A cell holds many
 * snippets, so both first cut out the snippet under the cursor.
 */
public final class CodeAssist {
    /** Replacement texts for the range [start, end) of the cell. */
    public record Completion(List<String> matches, int start, int end) { }

    private final JShellSession session;

    public CodeAssist(JShellSession session) {
        this.session = session;
    }

    private SourceCodeAnalysis analysis() {
        return session.shell().sourceCodeAnalysis();
    }

    /** The start offset of the snippet that contains {@code cursor}. */
    int snippetStart(String code, int cursor) {
        int start = 0;
        String rest = code;
        while (!rest.isBlank()) {
            CompletionInfo info = analysis().analyzeCompletion(rest);
            int used = rest.length() - info.remaining().length();
            if (used <= 0 || start + used >= cursor || !info.completeness().isComplete()) return start;
            start += used;
            rest = info.remaining();
        }
        return start;
    }

    public Completion complete(String code, int cursor) {
        int cut = Math.min(Math.max(cursor, 0), code.length());
        int start = snippetStart(code, cut);
        String snippet = code.substring(start, cut);
        int[] anchor = new int[1];
        Set<String> matches = new LinkedHashSet<>();
        for (Suggestion s : analysis().completionSuggestions(snippet, snippet.length(), anchor)) {
            matches.add(s.continuation());
        }
        return new Completion(new ArrayList<>(matches), start + anchor[0], cut);
    }

    /**
     * Signature(s) and javadoc summary of the name at the cursor (the API's javadoc too: see
     * {@link SourcePath}), or for a variable its type and value; null when none is known.
     */
    public String inspect(String code, int cursor, boolean detail) throws Exception {
        int at = Math.min(Math.max(cursor, 0), code.length());
        // Like IJava: move to the end of the identifier and include "(" so methods resolve.
        while (at < code.length() && Character.isJavaIdentifierPart(code.charAt(at))) at++;
        String variable = variableAt(code, at);
        if (variable != null) return variable;
        if (at < code.length() && code.charAt(at) == '(') at++;
        int start = snippetStart(code, at);
        String snippet = code.substring(start, at);
        if (!snippet.endsWith("(")) snippet += "(";  // "Math.abs" with the cursor at its end
        List<Documentation> docs = analysis().documentation(snippet, snippet.length(), true);
        if (docs.isEmpty()) return null;
        StringBuilder out = new StringBuilder();
        for (Documentation d : docs) {
            if (out.length() > 0) out.append("\n\n");
            out.append(d.signature());
            String javadoc = d.javadoc();
            if (javadoc != null && !javadoc.isBlank()) out.append("\n").append(detail ? javadoc.strip() : summary(javadoc));
        }
        return out.toString();
    }

    /** The description of the variable whose name ends at {@code end}, if it is a plain name (not x.name). */
    private String variableAt(String code, int end) throws Exception {
        int start = end;
        while (start > 0 && Character.isJavaIdentifierPart(code.charAt(start - 1))) start--;
        if (start == end || !Character.isJavaIdentifierStart(code.charAt(start))) return null;
        int before = start - 1;
        while (before >= 0 && Character.isWhitespace(code.charAt(before))) before--;
        if (before >= 0 && code.charAt(before) == '.') return null;
        return session.describeVariable(code.substring(start, end));
    }

    /** The first paragraph of a javadoc: enough for a tooltip. */
    static String summary(String javadoc) {
        String text = javadoc.strip();
        int para = text.indexOf("\n\n");
        return para > 0 ? text.substring(0, para) : text;
    }
}
