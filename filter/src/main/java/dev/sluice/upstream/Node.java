package dev.sluice.upstream;

import dev.sluice.config.NodeSettings;
import dev.sluice.config.Scheme;

import org.apache.hc.core5.http.HttpHost;

/**
 * A node of an upstream with everything the request path needs precomputed.
 *
 * @param index the node's position in its upstream, as the balancer knows it
 * @param settings the configured node
 * @param target where HttpClient connects
 * @param hostHeader the Host value for {@code host=node}: the host, plus the port unless it is the
 *        scheme's default
 */
public record Node(int index, NodeSettings settings, HttpHost target, String hostHeader) {

    static Node of(int index, NodeSettings settings, Scheme scheme) {
        String host = settings.host().indexOf(':') >= 0 ? "[" + settings.host() + "]" : settings.host();
        String hostHeader = settings.port() == scheme.defaultPort() ? host : host + ":" + settings.port();
        return new Node(index, settings, new HttpHost(scheme.id(), settings.host(), settings.port()), hostHeader);
    }

    public String address() {
        return settings.address();
    }
}
