package dev.sluice.forwarding;

import dev.sluice.balancing.LoadBalancer;
import dev.sluice.balancing.SmoothWeightedRoundRobin;
import dev.sluice.config.UpstreamSettings;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

/**
 * An upstream at run time: its settings, its nodes, its balancer and its connection pool. One per
 * configured upstream, shared by every route and request that uses it.
 */
public final class Upstream implements Closeable {
    private final UpstreamSettings settings;
    private final List<Node> nodes;
    private final LoadBalancer balancer;
    private final UpstreamClient client;

    /** Builds the upstream and starts its connection pool. */
    public Upstream(UpstreamSettings settings) {
        this.settings = settings;
        List<Node> built = new ArrayList<>();
        int[] weights = new int[settings.nodes().size()];
        for (int i = 0; i < weights.length; i++) {
            built.add(Node.of(i, settings.nodes().get(i), settings.scheme()));
            weights[i] = settings.nodes().get(i).weight();
        }
        this.nodes = List.copyOf(built);
        this.balancer = switch (settings.balance()) {
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(weights);
        };
        this.client = new UpstreamClient(settings);
    }

    /** The configured name. */
    public String name() {
        return settings.name();
    }

    /** The validated settings. */
    public UpstreamSettings settings() {
        return settings;
    }

    /** The connection pool. */
    public UpstreamClient client() {
        return client;
    }

    /** The next node by the upstream's balancing, or {@code null} when none can take traffic. */
    Node pick() {
        int index = balancer.pick(null);
        return index < 0 ? null : nodes.get(index);
    }

    @Override
    public void close() {
        client.close();
    }
}
