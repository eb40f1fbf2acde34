package dev.erasure.cluster;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one shard last wrote about itself (status/shard-I-of-N.json). Items are the shard's sweep
 * configurations plus its protocol images.
 *
 * @param index       shard number
 * @param count       shard count
 * @param state       running, done, preempted (will be requeued) or failed
 * @param done        items finished, this attempt and earlier ones
 * @param total       items of the shard
 * @param doneAtStart items already finished when this attempt started (the rate counts only new ones)
 * @param attempt     1 for the first run, +1 per requeue/restart
 * @param host        the machine of this attempt
 * @param job         the scheduler's job id (SLURM_JOB_ID, the pod name) or ""
 * @param startedAt   epoch milliseconds when this attempt started
 * @param updatedAt   epoch milliseconds of this report
 * @param message     the last item or the error
 */
public record ShardStatus(int index, int count, String state, long done, long total, long doneAtStart, int attempt,
                          String host, String job, long startedAt, long updatedAt, String message) {
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String PREEMPTED = "preempted";
    public static final String FAILED = "failed";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    public Shard shard() {
        return new Shard(index, count);
    }

    /** Milliseconds left at this attempt's rate, or -1 when unknown (nothing finished yet, or not running). */
    public long etaMillis() {
        long fresh = done - doneAtStart;
        if (!RUNNING.equals(state) || fresh <= 0) return -1;
        return (updatedAt - startedAt) * (total - done) / fresh;
    }

    ShardStatus with(String newState, long newDone, long now, String newMessage) {
        return new ShardStatus(index, count, newState, newDone, total, doneAtStart, attempt, host, job, startedAt, now,
                newMessage == null ? message : newMessage);
    }

    void write(Path file) {
        ResultsDir.writeAtomically(file, GSON.toJson(this) + "\n");
    }

    /** The status in {@code file}, or null when there is none yet. */
    static ShardStatus read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            ShardStatus s = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), ShardStatus.class);
            if (s == null || s.state() == null) throw new IllegalArgumentException("shard status " + file + " is empty");
            return s;
        } catch (IOException | JsonParseException e) {
            throw new IllegalArgumentException("cannot read shard status " + file + ": " + e.getMessage());
        }
    }
}
