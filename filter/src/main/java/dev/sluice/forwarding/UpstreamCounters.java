package dev.sluice.forwarding;

import java.util.concurrent.atomic.LongAdder;

/** Running totals of what happened to an upstream's calls, for the status view. */
public final class UpstreamCounters {
    private final LongAdder requests = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder failures = new LongAdder();

    void countRequest() {
        requests.increment();
    }

    void countRetry() {
        retries.increment();
    }

    void countRateLimited() {
        rateLimited.increment();
    }

    void countFailure() {
        failures.increment();
    }

    /** Requests admitted past the rate limits. */
    public long requests() {
        return requests.sum();
    }

    /** Attempts made again on another node. */
    public long retries() {
        return retries.sum();
    }

    /** Calls refused with 429. */
    public long rateLimited() {
        return rateLimited.sum();
    }

    /** Requests that ended in 502/503/504 or an aborted response. */
    public long failures() {
        return failures.sum();
    }
}
