package dev.erasure.kernel;

import io.github.spencerpark.jupyter.kernel.history.HistoryEntry;
import io.github.spencerpark.jupyter.kernel.history.HistoryManager;

import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.messages.ContentType;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.request.HistoryRequest;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cells run in this session, for history_request. The base library sends no reply at all
 * when a history manager returns null, so every lookup here returns a list, maybe empty.
 */
final class CellHistory implements HistoryManager {
    /**
     * history_reply content in the protocol's shape: (session, line, input) or
     * (session, line, (input, output)) tuples. The base library serialises its HistoryEntry
     * objects as JSON objects, which clients reject.
     */
    static final class Reply implements ContentType<Reply> {
        @SuppressWarnings("unused") private final String status = "ok";
        private final List<List<Object>> history = new ArrayList<>();

        Reply(List<HistoryEntry> entries) {
            for (HistoryEntry e : entries) {
                Object input = e.hasOutput() ? List.of(e.getInput(), e.getOutput()) : e.getInput();
                history.add(List.of(e.getSession(), e.getCellNumber(), input));
            }
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public MessageType<Reply> getType() {
            return (MessageType) MessageType.HISTORY_REPLY;
        }
    }

    /** Answers a history_request (tail, range or search); always replies. */
    void handle(ShellReplyEnvironment env, Message<HistoryRequest> message) {
        env.setBusyDeferIdle();
        HistoryRequest request = message.getContent();
        Set<ResultFlag> flags = EnumSet.noneOf(ResultFlag.class);
        if (request.includeOutput()) flags.add(ResultFlag.INCLUDE_OUTPUT);
        List<HistoryEntry> found = List.of();
        if (request instanceof HistoryRequest.Tail t) {
            found = lookupTail(t.getMaxReturnLength(), flags);
        } else if (request instanceof HistoryRequest.Range r) {
            found = lookupRange(r.getSessionIndex(), r.getStart(), r.getStop(), flags);
        } else if (request instanceof HistoryRequest.Search s) {
            if (s.filterUnique()) flags.add(ResultFlag.UNIQUE);
            found = search(s.getPattern(), s.getMaxReturnLength(), flags);
        }
        env.reply(new Reply(found));
    }

    private final List<HistoryEntry> entries = new ArrayList<>();

    synchronized void add(int executionCount, String code, String output) {
        entries.add(new HistoryEntry(0, executionCount, code, output == null ? "" : output));
    }

    /** Clients ask for the input alone or for (input, output) pairs. */
    private static List<HistoryEntry> shape(List<HistoryEntry> found, Set<ResultFlag> flags) {
        if (flags.contains(ResultFlag.INCLUDE_OUTPUT)) return found;
        List<HistoryEntry> out = new ArrayList<>(found.size());
        for (HistoryEntry e : found) out.add(new HistoryEntry(e.getSession(), e.getCellNumber(), e.getInput()));
        return out;
    }

    @Override
    public synchronized List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
        int from = Math.max(0, entries.size() - Math.max(0, length));
        return shape(new ArrayList<>(entries.subList(from, entries.size())), flags);
    }

    @Override
    public synchronized List<HistoryEntry> lookupRange(int session, int start, int end, Set<ResultFlag> flags) {
        List<HistoryEntry> out = new ArrayList<>();
        if (session != 0) return out;  // only the current session is kept
        for (HistoryEntry e : entries) {
            if (e.getCellNumber() >= start && (end <= 0 || e.getCellNumber() < end)) out.add(e);
        }
        return shape(out, flags);
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
        return shape(matches, flags);
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
