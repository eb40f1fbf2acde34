package dev.erasure.cluster;

import dev.erasure.progress.Cancellation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM's handler: a stop request at once, an outright cancel only if no boundary came within the grace period. */
class PreemptionTest {
    @Test
    void termRequestsAStopAndCancelsOnlyAfterTheGracePeriod() throws InterruptedException {
        Cancellation token = newToken();
        Preemption.stop(token, 50);
        assertTrue(token.takeStopRequest(), "a stop between items is requested at once");
        assertFalse(token.takeStopRequest(), "taken once");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!token.isCancelled() && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertTrue(token.isCancelled(), "no boundary within the grace period: cancelled outright");
        assertTrue(Preemption.requested());
    }

    @Test
    void workThatStoppedInTimeDisarmsTheCancel() throws InterruptedException {
        Cancellation token = newToken();
        Preemption.stop(token, 200);
        Preemption.disarm(); // what ShardRun does when the shard ends
        Thread.sleep(600);
        assertFalse(token.isCancelled(), "the disarmed grace period cancels nothing later");
    }

    /** A token of its own (another thread's), so the test thread's token is never cancelled. */
    private static Cancellation newToken() throws InterruptedException {
        Cancellation[] out = new Cancellation[1];
        Thread t = new Thread(() -> out[0] = Cancellation.current());
        t.start();
        t.join();
        return out[0];
    }
}
