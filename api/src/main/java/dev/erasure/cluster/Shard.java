package dev.erasure.cluster;

import dev.erasure.core.PromptSet;
import dev.erasure.eval.Protocol;
import dev.erasure.sweep.Configuration;
import dev.erasure.sweep.Sweep;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of {@code count} parts of a job: item {@code k} (a sweep configuration, a protocol image) belongs
 * to shard {@code k mod count}. Round robin rather than contiguous blocks, so that a grid whose cost
 * grows along an axis (iterations, K) spreads evenly; the split depends only on the item order, which is
 * fixed by the sweep/prompt set, so every rerun and every requeued task sees the same split.
 *
 * @param index 0-based shard number
 * @param count number of shards (array tasks, pods)
 */
public record Shard(int index, int count) {
    /** Our own variable; wins over the scheduler's when set (e.g. to rerun one shard by hand). */
    public static final String ENV_INDEX = "ERASURE_SHARD";
    /** The shard count where the scheduler does not export one (Kubernetes Indexed Jobs). */
    public static final String ENV_COUNT = "ERASURE_SHARD_COUNT";

    public Shard {
        if (count < 1) throw new IllegalArgumentException("shard count must be ≥ 1, got " + count);
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("shard index must be in [0, " + (count - 1) + "], got " + index);
        }
    }

    public static Shard of(int index, int count) {
        return new Shard(index, count);
    }

    /** The whole job in one process. */
    public static Shard single() {
        return new Shard(0, 1);
    }

    /**
     * The shard this process is, from the environment: ERASURE_SHARD, else SLURM_ARRAY_TASK_ID (a
     * job array {@code --array=0-(N-1)}), else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); the count
     * from ERASURE_SHARD_COUNT, else SLURM_ARRAY_TASK_COUNT. No index at all = the whole job.
     */
    public static Shard fromEnvironment(Map<String, String> env) {
        String[] indexVars = {ENV_INDEX, "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"};
        String indexVar = null;
        for (String v : indexVars) {
            if (env.get(v) != null && !env.get(v).isBlank()) {
                indexVar = v;
                break;
            }
        }
        if (indexVar == null) return single();
        String countVar = env.get(ENV_COUNT) != null ? ENV_COUNT : env.get("SLURM_ARRAY_TASK_COUNT") != null ? "SLURM_ARRAY_TASK_COUNT" : null;
        if (countVar == null) {
            throw new IllegalArgumentException(indexVar + " is set but the shard count is not: set " + ENV_COUNT
                    + " (Kubernetes does not export the number of completions)");
        }
        int index = integer(env, indexVar);
        int count = integer(env, countVar);
        if (indexVar.equals("SLURM_ARRAY_TASK_ID") && env.get("SLURM_ARRAY_TASK_MIN") != null) {
            index -= integer(env, "SLURM_ARRAY_TASK_MIN"); // --array=1-4 numbers tasks from 1
        }
        try {
            return new Shard(index, count);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(indexVar + "=" + env.get(indexVar) + ", " + countVar + "=" + env.get(countVar) + ": " + e.getMessage());
        }
    }

    private static int integer(Map<String, String> env, String var) {
        try {
            return Integer.parseInt(env.get(var).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(var + " must be an integer, got '" + env.get(var) + "'");
        }
    }

    public boolean owns(int position) {
        return position % count == index;
    }

    /** This shard's items of {@code all}, in their order. */
    public <T> List<T> select(List<T> all) {
        List<T> out = new ArrayList<>();
        for (int k = index; k < all.size(); k += count) out.add(all.get(k));
        return out;
    }

    /** The sweep restricted to this shard's configurations. */
    public Sweep select(Sweep sweep) {
        Set<String> ids = new HashSet<>(select(sweep.configurations()).stream().map(Configuration::id).toList());
        return sweep.only(c -> ids.contains(c.id()));
    }

    /** The protocol restricted to this shard's prompt rows. */
    public Protocol select(Protocol protocol) {
        Set<String> cases = new HashSet<>(select(protocol.prompts().rows()).stream().map(PromptSet.Row::caseNumber).toList());
        return protocol.only(r -> cases.contains(r.caseNumber()));
    }

    /** File-name form, e.g. {@code shard-2-of-4}. */
    public String name() {
        return "shard-" + index + "-of-" + count;
    }

    /** Parses {@link #name()}; null when {@code name} is not a shard name. */
    public static Shard parse(String name) {
        Matcher m = Pattern.compile("shard-(\\d+)-of-(\\d+)").matcher(name);
        if (!m.matches()) return null;
        try {
            return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "shard " + index + " of " + count;
    }
}
