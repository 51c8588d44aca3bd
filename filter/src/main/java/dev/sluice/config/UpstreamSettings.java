package dev.sluice.config;

import java.util.List;

/**
 * Everything about one upstream, validated.
 *
 * @param name the upstream's name in configuration
 * @param scheme HTTP or HTTPS
 * @param nodes at least one node, at least one of them with a weight above 0
 * @param balance how a node is picked
 * @param headers the Host header and the changes to the request headers
 * @param response the changes to the response headers, redirects and cookies
 * @param timeouts how long the nodes may take
 * @param pool the connection pool
 * @param responseBuffer bytes of a response read ahead of a client that is slower than the node:
 *        the flow-control window, and so the most one response holds in the heap
 * @param retry when failed attempts are tried again
 * @param limits the rate limits
 * @param tls certificate checking for HTTPS
 * @param health passive and active health of the nodes
 * @param websocket whether and how WebSocket handshakes are carried through to the nodes
 */
public record UpstreamSettings(
        String name,
        Scheme scheme,
        List<NodeSettings> nodes,
        BalanceSettings balance,
        HeaderSettings headers,
        ResponseSettings response,
        TimeoutSettings timeouts,
        PoolSettings pool,
        int responseBuffer,
        RetrySettings retry,
        CallLimitSettings limits,
        TlsSettings tls,
        HealthSettings health,
        WebSocketSettings websocket) {

    public UpstreamSettings {
        nodes = List.copyOf(nodes);
    }

    /** Requests in flight at once beyond which more are refused: the pool and those waiting for it. */
    public int maxInFlight() {
        return pool.maxInFlight();
    }
}
