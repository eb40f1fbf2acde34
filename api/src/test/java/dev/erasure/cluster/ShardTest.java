package dev.erasure.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardTest {
    @Test
    void everyItemInExactlyOneShardForAnyCount() {
        for (int size = 0; size <= 13; size++) {
            List<Integer> items = IntStream.range(0, size).boxed().toList();
            for (int n = 1; n <= 9; n++) {
                List<Integer> seen = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    List<Integer> part = Shard.of(i, n).select(items);
                    assertEquals(part, Shard.of(i, n).select(items), "the same split on every call");
                    for (int k = 1; k < part.size(); k++) assertTrue(part.get(k) > part.get(k - 1), "item order kept");
                    assertTrue(part.size() >= size / n && part.size() <= size / n + 1, "balanced: " + part.size() + " of " + size + "/" + n);
                    seen.addAll(part);
                }
                seen.sort(null);
                assertEquals(items, seen, size + " items in " + n + " shards");
            }
        }
    }

    @Test
    void indexFromTheEnvironment() {
        assertEquals(Shard.single(), Shard.fromEnvironment(Map.of()));
        assertEquals(Shard.of(2, 4), Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4")));
        assertEquals(Shard.of(1, 4), Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
                "SLURM_ARRAY_TASK_MIN", "1")), "--array=1-4");
        assertEquals(Shard.of(3, 5), Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "3", "ERASURE_SHARD_COUNT", "5")));
        assertEquals(Shard.of(0, 5), Shard.fromEnvironment(Map.of("ERASURE_SHARD", "0", "ERASURE_SHARD_COUNT", "5",
                "SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4")), "our variable wins");
        IllegalArgumentException noCount = assertThrows(IllegalArgumentException.class,
                () -> Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "3")));
        assertTrue(noCount.getMessage().contains("ERASURE_SHARD_COUNT"), noCount.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5", "ERASURE_SHARD_COUNT", "5")));
        assertTrue(outside.getMessage().contains("JOB_COMPLETION_INDEX=5"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shard.fromEnvironment(Map.of("ERASURE_SHARD", "x", "ERASURE_SHARD_COUNT", "2")));
        assertThrows(IllegalArgumentException.class, () -> Shard.of(0, 0));
    }

    @Test
    void namesRoundTrip() {
        assertEquals("shard-2-of-4", Shard.of(2, 4).name());
        assertEquals(Shard.of(2, 4), Shard.parse("shard-2-of-4"));
        assertNull(Shard.parse("shard-4-of-4"));
        assertNull(Shard.parse("merged"));
    }
}
