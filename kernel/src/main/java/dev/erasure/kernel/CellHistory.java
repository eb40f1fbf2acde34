package dev.erasure.kernel;

import io.github.spencerpark.jupyter.kernel.history.HistoryEntry;
import io.github.spencerpark.jupyter.kernel.history.HistoryManager;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cells run in this session, for history_request. The base library sends no reply at all
 * when a history manager returns null, so every lookup here returns a list, maybe empty.
 */
final class CellHistory implements HistoryManager {
    private final List<HistoryEntry> entries = new ArrayList<>();

    synchronized void add(int executionCount, String code) {
        entries.add(new HistoryEntry(0, executionCount, code));
    }

    @Override
    public synchronized List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
        int from = Math.max(0, entries.size() - Math.max(0, length));
        return new ArrayList<>(entries.subList(from, entries.size()));
    }

    @Override
    public synchronized List<HistoryEntry> lookupRange(int session, int start, int end, Set<ResultFlag> flags) {
        List<HistoryEntry> out = new ArrayList<>();
        if (session != 0) return out;  // only the current session is kept
        for (HistoryEntry e : entries) {
            if (e.getCellNumber() >= start && (end <= 0 || e.getCellNumber() < end)) out.add(e);
        }
        return out;
    }

    @Override
    public synchronized List<HistoryEntry> search(String pattern, int length, Set<ResultFlag> flags) {
        Pattern glob = globToRegex(pattern == null ? "*" : pattern);
        List<HistoryEntry> matches = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = entries.size() - 1; i >= 0 && (length <= 0 || matches.size() < length); i--) {
            HistoryEntry e = entries.get(i);
            if (!glob.matcher(e.getInput()).matches()) continue;
            if (flags.contains(ResultFlag.UNIQUE) && !seen.add(e.getInput())) continue;
            matches.add(0, e);
        }
        return matches;
    }

    static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[', ']' -> re.append(c);
                case '^' -> re.append('^');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
