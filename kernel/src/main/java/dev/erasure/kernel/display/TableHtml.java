package dev.erasure.kernel.display;

import tech.tablesaw.api.Table;

/**
 * A Tablesaw table as an HTML table. Long tables show their head and tail around an ellipsis
 * row, so a million-row result never floods the notebook.
 */
public final class TableHtml {
    /** Rows shown before the table is cut (head + tail); -Derasure.kernel.tableRows overrides. */
    public static final int DEFAULT_MAX_ROWS = Integer.getInteger("erasure.kernel.tableRows", 20);

    private TableHtml() { }

    public static String html(Table table, int maxRows) {
        int rows = table.rowCount();
        int cols = table.columnCount();
        boolean cut = rows > maxRows;
        int head = cut ? (maxRows + 1) / 2 : rows;
        int tailStart = cut ? rows - maxRows / 2 : rows;
        StringBuilder h = new StringBuilder("<div class=\"erasure-table\"><table class=\"dataframe\" border=\"1\">");
        if (table.name() != null && !table.name().isBlank()) h.append("<caption>").append(escape(table.name())).append("</caption>");
        h.append("<thead><tr><th></th>");
        for (String name : table.columnNames()) h.append("<th>").append(escape(name)).append("</th>");
        h.append("</tr></thead><tbody>");
        for (int r = 0; r < head; r++) row(h, table, r);
        if (cut) {
            h.append("<tr><th>…</th>");
            for (int c = 0; c < cols; c++) h.append("<td>…</td>");
            h.append("</tr>");
        }
        for (int r = tailStart; r < rows; r++) row(h, table, r);
        h.append("</tbody></table><p>").append(rows).append(" rows × ").append(cols).append(" columns</p></div>");
        return h.toString();
    }

    private static void row(StringBuilder h, Table table, int r) {
        h.append("<tr><th>").append(r).append("</th>");
        for (int c = 0; c < table.columnCount(); c++) {
            h.append("<td>").append(escape(table.column(c).getString(r))).append("</td>");
        }
        h.append("</tr>");
    }

    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
