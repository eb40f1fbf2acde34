package dev.erasure.kernel.protocol;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Logs rejected messages without letting a flood of them flood the log: the first few in full,
 * then every thousandth with a running count.
 */
final class RejectLog {
    private static final int LOG_FIRST = 5;

    private final Logger log;
    private final String channel;
    private final AtomicLong count = new AtomicLong();

    RejectLog(Logger log, String channel) {
        this.log = log;
        this.channel = channel;
    }

    void reject(String reason) {
        long n = count.incrementAndGet();
        if (n <= LOG_FIRST || n % 1000 == 0) {
            log.warning("rejected a message on the " + channel + " channel (" + n + " so far): " + reason);
        }
    }

    long count() {
        return count.get();
    }
}
