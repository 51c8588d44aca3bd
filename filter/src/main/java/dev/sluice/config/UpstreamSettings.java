package dev.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * Everything about one upstream, validated.
 *
 * @param name the upstream's name in configuration
 * @param scheme HTTP or HTTPS
 * @param nodes at least one node, at least one of them with a weight above 0
 * @param balance the node-picking algorithm
 * @param hostMode which Host header goes upstream
 * @param hostRewrite the Host value for {@link HostMode#REWRITE}, otherwise {@code null}
 * @param connectTimeout the limit on opening a connection to a node
 * @param timeout the limit on waiting for the node: for the first response byte and between reads
 * @param maxConnections the pool's size for the whole upstream
 * @param maxConnectionsPerNode the pool's size for one node
 * @param maxWaiting requests in flight beyond {@code maxConnections}, waiting for a pooled
 *        connection; more are refused with 503 at once
 * @param idleTimeout how long an unused pooled connection is kept
 * @param maxIdleConnections idle connections beyond which those unused for ten seconds are closed
 * @param ioThreads the upstream's I/O threads, each with its share of the pool
 * @param readBuffer bytes read from an upstream connection at once; each pooled connection holds
 *        three buffers of this size for as long as it is open
 * @param responseBuffer bytes of a response read ahead of a client that is slower than the node:
 *        the flow-control window, and so the most one response holds in the heap
 * @param ipv4HashPrefix for ip-hash, the leading bits of an IPv4 client address that pick the node
 * @param ipv6HashPrefix for ip-hash, the leading bits of an IPv6 client address that pick the node
 * @param retry when failed attempts are tried again
 * @param rateLimit the upstream-wide limit, or {@code null}
 * @param clientRateLimit the per-client limit, or {@code null}
 * @param headerRules changes to the request headers, removals first
 * @param tls certificate checking for HTTPS
 * @param health passive health of the nodes
 */
public record UpstreamSettings(
        String name,
        Scheme scheme,
        List<NodeSettings> nodes,
        BalanceMode balance,
        HostMode hostMode,
        String hostRewrite,
        Duration connectTimeout,
        Duration timeout,
        int maxConnections,
        int maxConnectionsPerNode,
        int maxWaiting,
        Duration idleTimeout,
        int maxIdleConnections,
        int ioThreads,
        int readBuffer,
        int responseBuffer,
        int ipv4HashPrefix,
        int ipv6HashPrefix,
        RetrySettings retry,
        RateLimitSettings rateLimit,
        RateLimitSettings clientRateLimit,
        List<HeaderRule> headerRules,
        TlsSettings tls,
        HealthSettings health) {

    public UpstreamSettings {
        nodes = List.copyOf(nodes);
        headerRules = List.copyOf(headerRules);
    }

    /** Requests in flight at once beyond which more are refused: the pool and those waiting for it. */
    public int maxInFlight() {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxConnections + maxWaiting);
    }
}
