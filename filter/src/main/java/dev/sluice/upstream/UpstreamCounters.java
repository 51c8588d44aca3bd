package dev.sluice.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Running totals of what happened to an upstream's calls, for the status view. */
public final class UpstreamCounters {
    private final AtomicInteger exchanges = new AtomicInteger();
    private final AtomicInteger[] inFlight;
    private final LongAdder[] nodeSuccesses;
    private final LongAdder[] nodeFailures;
    private final RecentOutcomes[] recent;
    private final LongAdder requests = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder overloaded = new LongAdder();
    private final LongAdder failures = new LongAdder();

    UpstreamCounters(int nodes) {
        inFlight = new AtomicInteger[nodes];
        nodeSuccesses = new LongAdder[nodes];
        nodeFailures = new LongAdder[nodes];
        recent = new RecentOutcomes[nodes];
        for (int i = 0; i < nodes; i++) {
            inFlight[i] = new AtomicInteger();
            nodeSuccesses[i] = new LongAdder();
            nodeFailures[i] = new LongAdder();
            recent[i] = new RecentOutcomes();
        }
    }

    public void exchangeStarted() {
        exchanges.incrementAndGet();
    }

    public void exchangeEnded() {
        exchanges.decrementAndGet();
    }

    /** Exchanges whose response is not over: attempts under way, waiting for a connection, or reading the request body. */
    public int exchanges() {
        return exchanges.get();
    }

    /**
     * Whether the connection pool may still be needed: an exchange whose response is not over
     * (it may be reading its request body, or about to retry), or an attempt HttpClient has not
     * finished with (the response may be over while a cancelled call still winds down).
     */
    public boolean busy() {
        if (exchanges.get() > 0) {
            return true;
        }
        for (AtomicInteger attempts : inFlight) {
            if (attempts.get() > 0) {
                return true;
            }
        }
        return false;
    }

    public void attemptStarted(int node) {
        inFlight[node].incrementAndGet();
    }

    public void attemptEnded(int node) {
        inFlight[node].decrementAndGet();
    }

    public void nodeSucceeded(int node) {
        nodeSuccesses[node].increment();
        recent[node].success(System.nanoTime());
    }

    public void nodeFailed(int node) {
        nodeFailures[node].increment();
        recent[node].failure(System.nanoTime());
    }

    /** Attempts on this node that have not ended. */
    public int inFlight(int node) {
        return inFlight[node].get();
    }

    /** Attempts on this node that got a response not counted as a failure. */
    public long successes(int node) {
        return nodeSuccesses[node].sum();
    }

    /** Attempts on this node that failed (no connection, timeout, reset, failure status). */
    public long failures(int node) {
        return nodeFailures[node].sum();
    }

    /** This node's attempts and failures of the last {@link RecentOutcomes#WINDOW_SECONDS} seconds. */
    public RecentOutcomes.Window recent(int node) {
        return recent[node].window(System.nanoTime());
    }

    public void countRequest() {
        requests.increment();
    }

    public void countRetry() {
        retries.increment();
    }

    public void countRateLimited() {
        rateLimited.increment();
    }

    public void countOverloaded() {
        overloaded.increment();
    }

    public void countFailure() {
        failures.increment();
    }

    /** Requests admitted past the rate limits and the bound on requests in flight. */
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

    /** Calls refused with 503 because the upstream had {@code pool.max-connections + pool.max-waiting} in flight. */
    public long overloaded() {
        return overloaded.sum();
    }
}
