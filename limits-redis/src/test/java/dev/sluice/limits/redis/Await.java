package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

/**
 * Waiting, in a test, for what a server, a client or a cluster brings about in its own time:
 * checked every 50 ms, and failing with what is seen once the time is up.
 */
final class Await {
    private static final long POLL_MILLIS = 50;

    /** Something the test waits to see true. */
    interface Condition {
        boolean holds() throws Exception;
    }

    /** What the failure says: the state seen, read only when the wait failed. */
    interface Description {
        String text() throws Exception;
    }

    private Await() {
    }

    static void until(Duration within, Condition condition, Description failure) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.holds()) {
            assertTrue(System.nanoTime() < deadline, failure.text());
            Thread.sleep(POLL_MILLIS);
        }
    }
}
