package dev.erasure.core;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV as pandas reads and writes it: comma separated, cells with a comma, quote or line break
 * are quoted, a quote inside is doubled, quoted cells may span lines (I2P prompts do). Small and
 * dependency-free so prompt sets and run manifests share one parser.
 */
public final class Csv {
    private Csv() {
    }

    /**
     * One record: its cells, the character offset just after it, and whether it ended with a line
     * break (a record cut by a crash while appending does not).
     */
    public record Record(List<String> cells, int end, boolean terminated) {
    }

    /** Parses every record of {@code text}; a leading byte-order mark and blank lines are skipped. */
    public static List<Record> parse(String text) {
        List<Record> out = new ArrayList<>();
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        int n = text.length();
        while (i < n) {
            if (text.charAt(i) == '\n' || text.charAt(i) == '\r') {
                i++;
                continue;
            }
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            boolean terminated = false;
            while (i < n) {
                char c = text.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < n && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i += 2;
                        continue;
                    }
                    if (c == '"') quoted = false;
                    else cell.append(c);
                    i++;
                } else if (c == '"') {
                    quoted = true;
                    i++;
                } else if (c == ',') {
                    cells.add(cell.toString());
                    cell.setLength(0);
                    i++;
                } else if (c == '\n' || c == '\r') {
                    i += c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
                    terminated = true;
                    break;
                } else {
                    cell.append(c);
                    i++;
                }
            }
            cells.add(cell.toString());
            out.add(new Record(List.copyOf(cells), i, terminated && !quoted));
        }
        return out;
    }

    /** One record as a line (with its line break), quoting cells only where needed. */
    public static String line(List<String> cells) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < cells.size(); k++) {
            if (k > 0) b.append(',');
            b.append(quote(cells.get(k)));
        }
        return b.append('\n').toString();
    }

    static String quote(String cell) {
        if (cell.indexOf(',') < 0 && cell.indexOf('"') < 0 && cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) {
            return cell;
        }
        return '"' + cell.replace("\"", "\"\"") + '"';
    }
}
