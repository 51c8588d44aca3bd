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
 * @param idleTimeout how long an unused pooled connection is kept
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
        Duration idleTimeout) {

    public UpstreamSettings {
        nodes = List.copyOf(nodes);
    }
}
