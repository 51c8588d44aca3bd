package dev.sluice.health;

import dev.sluice.config.HealthSettings;

import java.util.BitSet;
import java.util.List;

/**
 * Passive health of one upstream's nodes. Exchanges report each attempt's outcome; the balancer
 * is then told which nodes are out. A node out of rotation comes back by itself when its ejection
 * ends (the next request to it is the probe), so no node is ever stuck out.
 *
 * <p>One line is logged per change of state (node out, node back), never one per request.
 */
public final class UpstreamHealth {
    private static final System.Logger LOG = System.getLogger(UpstreamHealth.class.getName());

    private final String upstream;
    private final List<String> addresses;
    private final int[] weights;
    private final HealthSettings settings;
    private final HealthRegistry registry;
    private final NodeHealth[] nodes;

    /**
     * @param addresses each node's {@code host:port}: the key of its state in the registry, and
     *        its name in logs and the status view
     * @param weights each node's weight; nodes of weight 0 take no part
     * @param registry where the nodes' state is kept, carried over from earlier upstreams
     */
    public UpstreamHealth(String upstream, List<String> addresses, int[] weights, HealthSettings settings,
            HealthRegistry registry) {
        this.upstream = upstream;
        this.addresses = List.copyOf(addresses);
        this.weights = weights.clone();
        this.settings = settings;
        this.registry = registry;
        this.nodes = new NodeHealth[weights.length];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = registry.node(addresses.get(i));
        }
    }

    /**
     * Whether some node may be out of rotation now: the cheap check before {@link #excludeEjected}.
     * It may say yes for a node of another upstream, never no for one of this upstream.
     */
    public boolean anyEjected() {
        return registry.anyOut();
    }

    /**
     * Adds the nodes out of rotation now to {@code excluded}.
     *
     * @return whether any node is out
     */
    public boolean excludeEjected(BitSet excluded) {
        if (!anyEjected()) {
            return false;
        }
        long now = registry.now();
        boolean any = false;
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i].ejectedAt(now)) {
                excluded.set(i);
                any = true;
            }
        }
        return any;
    }

    /** Whether the upstream sends to ejected nodes anyway when all are out. */
    public boolean failOpen() {
        return settings.failOpen();
    }

    /**
     * Whole seconds until the first node out of rotation may be back, at least 1: the end of its
     * ejection, or for a node the active checks hold out, the earliest its checks can pass.
     */
    public long secondsUntilFirstBack() {
        long now = registry.now();
        var check = settings.activeCheck();
        long checksToPass = check == null ? 0 : check.interval().toNanos() * check.healthyThreshold();
        long soonest = Long.MAX_VALUE;
        for (NodeHealth node : nodes) {
            if (node.ejectedAt(now)) {
                soonest = Math.min(soonest, node.nanosUntilBack(now, checksToPass));
            }
        }
        return soonest == Long.MAX_VALUE ? 1 : Math.max(1, (soonest + 999_999_999L) / 1_000_000_000L);
    }

    /** An active check of the node passed or failed. */
    public void checked(int node, boolean passed) {
        var check = settings.activeCheck();
        if (nodes[node].check(passed, check.healthyThreshold(), check.unhealthyThreshold())) {
            registry.activeVerdictChanged();
            if (passed) {
                LOG.log(System.Logger.Level.INFO, "upstream ''{0}'' node {1} is back: {2} active checks passed",
                        upstream, addresses.get(node), check.healthyThreshold());
            } else {
                LOG.log(System.Logger.Level.WARNING, "upstream ''{0}'' node {1} out of rotation: {2} active checks of {3} failed",
                        upstream, addresses.get(node), check.unhealthyThreshold(), check.path());
            }
        }
    }

    /** An attempt got a response that is not a failure. */
    public void succeeded(int node) {
        if (nodes[node].success()) {
            LOG.log(System.Logger.Level.INFO, "upstream ''{0}'' node {1} is back in rotation", upstream, addresses.get(node));
        }
    }

    /** Whether this response status counts as a failure of the node. */
    public boolean isFailure(int status) {
        return settings.failureStatuses().contains(status);
    }

    /** An attempt failed (no connection, timeout, reset, or a failure status). */
    public void failed(int node) {
        if (settings.maxFails() == 0) {
            return;
        }
        int failures = nodes[node].failure();
        if (failures >= settings.maxFails() && mayEject(node)) {
            long now = registry.now();
            long duration = nodes[node].eject(now, settings.ejection().toNanos(), settings.maxEjection().toNanos());
            ejected(node, now + duration, duration,
                    failures + " failures in a row, ejection #" + nodes[node].timesEjected());
        }
    }

    /**
     * The node answered 503 with Retry-After: out for that long, at most {@code health.max-ejection},
     * within the same bounds as any ejection ({@code health.max-ejected-percent}; none with passive
     * health off).
     */
    public void retryAfter(int node, long seconds) {
        if (settings.maxFails() == 0 || !mayEject(node)) {
            return;
        }
        long now = registry.now();
        long asked = seconds > settings.maxEjection().toSeconds() ? settings.maxEjection().toNanos() : seconds * 1_000_000_000L;
        long duration = nodes[node].ejectFor(now, asked);
        ejected(node, now + duration, duration, "it answered with Retry-After: " + seconds);
    }

    private void ejected(int node, long until, long duration, String why) {
        registry.ejectedUntil(until);
        LOG.log(System.Logger.Level.WARNING, "upstream ''{0}'' node {1} out of rotation for {2} ms: {3}",
                upstream, addresses.get(node), duration / 1_000_000, why);
    }

    /**
     * Passive health only moves traffic off the worse nodes; it never declares the whole upstream
     * down. Real traffic's failures may belong to some paths only, so a node failing a third of
     * them still serves the other two thirds; with every node out, it would serve none. So never
     * more than {@code health.max-ejected-percent} of the weighted nodes out, those the active
     * checks hold out included; below 100 % that always leaves one in rotation (a one-node
     * upstream is never ejected, as nginx ignores max_fails for a single server). Only active
     * checks, which ask the node as a whole, may take every node out.
     */
    private boolean mayEject(int candidate) {
        long now = registry.now();
        int total = 0;
        int out = 0;
        for (int i = 0; i < nodes.length; i++) {
            if (weights[i] == 0) {
                continue;
            }
            total++;
            if (i == candidate || nodes[i].ejectedAt(now)) {
                out++;
            }
        }
        return out * 100 <= settings.maxEjectedPercent() * total;
    }

    /** The node's state in one word: {@code up}, {@code ejected} (passive health) or {@code down} (active checks). */
    public String state(int node) {
        NodeHealth health = nodes[node];
        return health.activeDown() ? "down" : health.ejectedAt(registry.now()) ? "ejected" : "up";
    }

    /** How many times the node was taken out of rotation by passive health (or its own Retry-After). */
    public long ejections(int node) {
        return nodes[node].ejections();
    }

    /** The node's state for the status view. */
    public String describe(int node) {
        long now = registry.now();
        NodeHealth health = nodes[node];
        if (health.activeDown()) {
            return "down (active check)";
        }
        if (health.ejectedAt(now)) {
            return "ejected " + (health.ejectedUntil() - now) / 1_000_000 + " ms more (ejection #" + health.timesEjected() + ")";
        }
        return health.consecutiveFailures() == 0 ? "up" : "up, " + health.consecutiveFailures() + " failures in a row";
    }
}
