package dev.erasure.kernel.display;

import dev.erasure.progress.Progress;

import java.util.Locale;
import java.util.Map;

/** How a {@link Progress} report looks: an HTML bar for notebooks, a text bar for consoles. */
public final class ProgressFormat {
    private ProgressFormat() { }

    public static String html(Progress p) {
        double f = p.fraction();
        String bar = Double.isNaN(f)
                ? "<progress style=\"width:30ex\"></progress>"
                : "<progress style=\"width:30ex\" value=\"" + p.done() + "\" max=\"" + p.total() + "\"></progress>";
        return "<div class=\"erasure-progress\" style=\"font-family:monospace\">" + TableHtml.escape(p.task()) + " "
                + bar + " " + TableHtml.escape(counts(p) + "  " + timing(p) + metrics(p.metrics()) + message(p)) + "</div>";
    }

    public static String text(Progress p) {
        double f = p.fraction();
        String bar = "";
        if (!Double.isNaN(f)) {
            int filled = (int) Math.round(f * 20);
            bar = "|" + "█".repeat(filled) + " ".repeat(20 - filled) + "| ";
        }
        return p.task() + " " + bar + counts(p) + "  " + timing(p) + metrics(p.metrics()) + message(p);
    }

    static String counts(Progress p) {
        double f = p.fraction();
        String pct = Double.isNaN(f) ? "" : String.format(Locale.ROOT, "%3.0f%% ", 100 * f);
        return pct + p.done() + "/" + (p.total() > 0 ? Long.toString(p.total()) : "?");
    }

    static String timing(Progress p) {
        String s = "[" + duration(p.elapsedNanos());
        if (!p.finished() && p.etaNanos() >= 0) s += " < " + duration(p.etaNanos()) + " left";
        if (p.done() > 0 && p.elapsedNanos() > 0) {
            double rate = p.done() / (p.elapsedNanos() / 1e9);
            s += rate >= 1 ? String.format(Locale.ROOT, ", %.2f it/s", rate) : String.format(Locale.ROOT, ", %.2f s/it", 1 / rate);
        }
        return s + "]";
    }

    static String metrics(Map<String, Double> metrics) {
        StringBuilder s = new StringBuilder();
        metrics.forEach((k, v) -> s.append("  ").append(k).append('=').append(number(v)));
        return s.toString();
    }

    private static String message(Progress p) {
        return p.message().isEmpty() ? "" : "  " + p.message();
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    static String duration(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
