package dev.sluice.config;

import java.time.Duration;

/**
 * An upstream's connection pool.
 *
 * @param maxConnections the pool's size for the whole upstream
 * @param maxConnectionsPerNode the pool's size for one node
 * @param maxWaiting requests in flight beyond {@code maxConnections}, waiting for a pooled
 *        connection; more are refused with 503 at once
 * @param idleTimeout how long an unused pooled connection is kept
 * @param maxIdleConnections idle connections beyond which those unused for ten seconds are closed
 * @param ioThreads the upstream's I/O threads, each with its share of the pool
 * @param readBuffer bytes read from an upstream connection at once; each pooled connection holds
 *        three buffers of this size for as long as it is open
 */
public record PoolSettings(int maxConnections, int maxConnectionsPerNode, int maxWaiting, Duration idleTimeout,
        int maxIdleConnections, int ioThreads, int readBuffer) {

    /** Requests in flight at once beyond which more are refused: the pool and those waiting for it. */
    public int maxInFlight() {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxConnections + maxWaiting);
    }
}
