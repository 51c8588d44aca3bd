package dev.sluice.limits.redis;

import io.lettuce.core.RedisURI;

import java.util.ArrayList;
import java.util.List;

/**
 * The forms of {@code sluice.redis.uri}: Lettuce's own ({@code redis://}, {@code rediss://},
 * {@code redis-sentinel://}), and for a cluster {@code redis-cluster://} or
 * {@code rediss-cluster://} followed by any of its nodes, which Lettuce has no URI for.
 */
final class RedisUris {
    private static final String CLUSTER = "redis-cluster://";
    private static final String TLS_CLUSTER = "rediss-cluster://";

    private RedisUris() {
    }

    static boolean isCluster(String uri) {
        return uri.startsWith(CLUSTER) || uri.startsWith(TLS_CLUSTER);
    }

    /** The one URI of a standalone or Sentinel Redis. */
    static RedisURI single(String uri) {
        try {
            return RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a Redis URI Lettuce can use: " + e.getMessage(), e);
        }
    }

    /** The seed nodes of a cluster, each with the URI's password and TLS. */
    static List<RedisURI> cluster(String uri) {
        boolean tls = uri.startsWith(TLS_CLUSTER);
        String rest = uri.substring(tls ? TLS_CLUSTER.length() : CLUSTER.length());
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String credentials = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = credentials.indexOf(':');
            user = colon > 0 ? credentials.substring(0, colon) : null;
            password = colon >= 0 ? credentials.substring(colon + 1) : credentials;
        }
        List<RedisURI> nodes = new ArrayList<>();
        for (String node : rest.split(",")) {
            nodes.add(node(node.trim(), tls, user, password));
        }
        return nodes;
    }

    private static RedisURI node(String hostPort, boolean tls, String user, String password) {
        int colon = hostPort.lastIndexOf(':');
        boolean hasPort = colon > 0 && !hostPort.endsWith("]");
        String host = hasPort ? hostPort.substring(0, colon) : hostPort;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("a cluster node without a host: '" + hostPort + "'");
        }
        int port;
        try {
            port = hasPort ? Integer.parseInt(hostPort.substring(colon + 1)) : RedisURI.DEFAULT_REDIS_PORT;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a cluster node's port is not a number: '" + hostPort + "'");
        }
        RedisURI.Builder builder = RedisURI.builder().withHost(host).withPort(port).withSsl(tls);
        if (password != null && user != null) {
            builder.withAuthentication(user, password);
        } else if (password != null) {
            builder.withPassword(password.toCharArray());
        }
        return builder.build();
    }
}
