package dev.erasure.cluster;

import dev.erasure.progress.Cancellation;
import dev.erasure.progress.CancelledException;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Where a cluster job stands, read from the shards' status files alone (no scheduler query, so it
 * works the same for SLURM, Kubernetes and hand-started shards): per shard its state, items done,
 * ETA, and how long ago it last reported. A "running" shard that stopped reporting long ago was
 * killed without a chance to say so (SIGKILL, node failure).
 *
 * @param shards the latest status of every shard of the newest shard count; absent ones are "pending"
 * @param now    epoch milliseconds the status was read at
 */
public record ClusterStatus(List<ShardStatus> shards, long now) {
    public static final String PENDING = "pending";

    /** Reads the status folder; the shard count is the one of the most recently updated status. */
    public static ClusterStatus read(ResultsDir dir) {
        List<ShardStatus> all = new ArrayList<>();
        for (Path f : dir.shardEntries("status", ".json")) all.add(ShardStatus.read(f));
        long now = System.currentTimeMillis();
        if (all.isEmpty()) return new ClusterStatus(List.of(), now);
        int count = all.stream().max((a, b) -> Long.compare(a.updatedAt(), b.updatedAt())).orElseThrow().count();
        TreeMap<Integer, ShardStatus> byIndex = new TreeMap<>();
        for (ShardStatus s : all) if (s.count() == count) byIndex.put(s.index(), s);
        List<ShardStatus> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(byIndex.getOrDefault(i, new ShardStatus(i, count, PENDING, 0, -1, 0, 0, "", "", 0, 0, "no report yet")));
        }
        return new ClusterStatus(out, now);
    }

    /**
     * Re-reads the status folder every {@code every} and hands each reading to {@code onRead} (a notebook
     * redraws its table: {@code updateDisplay(id, s.table())}) until every shard is done, or none is
     * left running, pending or preempted (a failed shard needs a resubmission); returns the last
     * reading. Cancellable (the notebook's interrupt stops the watching, not the shards).
     */
    public static ClusterStatus watch(ResultsDir dir, Duration every, Consumer<ClusterStatus> onRead) {
        if (every.isNegative() || every.isZero()) throw new IllegalArgumentException("watch interval must be > 0, got " + every);
        while (true) {
            ClusterStatus s = read(dir);
            onRead.accept(s);
            if (s.finished() || s.settled()) return s;
            long until = System.nanoTime() + every.toNanos();
            while (System.nanoTime() < until) {
                Cancellation.checkIfCancelled();
                try {
                    Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    throw new CancelledException("watching " + dir.root() + " interrupted");
                }
            }
        }
    }

    /** No shard running, pending or preempted (to be requeued), and at least one failed: nothing will change by itself. */
    private boolean settled() {
        return count(ShardStatus.FAILED) > 0 && count(ShardStatus.RUNNING) + count(PENDING) + count(ShardStatus.PREEMPTED) == 0;
    }

    public long count(String state) {
        return shards.stream().filter(s -> s.state().equals(state)).count();
    }

    public boolean finished() {
        return !shards.isEmpty() && count(ShardStatus.DONE) == shards.size();
    }

    /** The job's ETA: the slowest running shard's, or -1 when unknown. */
    public long etaMillis() {
        return shards.stream().mapToLong(ShardStatus::etaMillis).max().orElse(-1);
    }

    /** One row per shard: shard, state, done, total, eta_s, last_report_s (ago), attempt, host, job, message. */
    public Table table() {
        Table t = Table.create("cluster status");
        t.addColumns(IntColumn.create("shard", shards.stream().mapToInt(ShardStatus::index).toArray()),
                StringColumn.create("state", shards.stream().map(ShardStatus::state).toList()),
                LongColumn.create("done", shards.stream().mapToLong(ShardStatus::done).toArray()),
                LongColumn.create("total", shards.stream().mapToLong(ShardStatus::total).toArray()),
                LongColumn.create("eta_s", shards.stream().mapToLong(s -> s.etaMillis() < 0 ? -1 : s.etaMillis() / 1000).toArray()),
                LongColumn.create("last_report_s", shards.stream().mapToLong(s -> s.updatedAt() == 0 ? -1 : (now - s.updatedAt()) / 1000).toArray()),
                IntColumn.create("attempt", shards.stream().mapToInt(ShardStatus::attempt).toArray()),
                StringColumn.create("host", shards.stream().map(ShardStatus::host).toList()),
                StringColumn.create("job", shards.stream().map(ShardStatus::job).toList()),
                StringColumn.create("message", shards.stream().map(ShardStatus::message).toList()));
        return t;
    }

    /** E.g. "4 shards: 2 done, 1 running, 1 preempted; 31/40 items; ETA 2 min". */
    public String summary() {
        if (shards.isEmpty()) return "no shard has reported yet";
        StringBuilder b = new StringBuilder(shards.size() + " shards:");
        String sep = " ";
        for (String state : List.of(ShardStatus.DONE, ShardStatus.RUNNING, ShardStatus.PREEMPTED, ShardStatus.FAILED, PENDING)) {
            if (count(state) > 0) {
                b.append(sep).append(count(state)).append(' ').append(state);
                sep = ", ";
            }
        }
        boolean totalsKnown = shards.stream().allMatch(s -> s.total() >= 0);
        if (totalsKnown) {
            b.append("; ").append(shards.stream().mapToLong(ShardStatus::done).sum()).append('/')
                    .append(shards.stream().mapToLong(ShardStatus::total).sum()).append(" items");
        }
        long eta = etaMillis();
        if (eta >= 0) b.append(String.format(Locale.ROOT, "; ETA %.1f min", eta / 60000.0));
        return b.toString();
    }
}
