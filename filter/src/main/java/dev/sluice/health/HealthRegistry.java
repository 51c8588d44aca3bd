package dev.sluice.health;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * The health of every node one filter sends to, by the node's {@code host:port}. Health belongs to
 * the node, not to the upstream that lists it: an upstream built again on reload takes the state
 * its nodes already had, so an ejected node stays out and its escalation goes on, and two upstreams
 * listing the same {@code host:port} share one state (failures seen through either count, an
 * ejection through either keeps the node out of both).
 *
 * <p>It also keeps the cheap test the request path makes before looking at single nodes: whether
 * any node may be out now. That test is filter-wide on purpose. A node's state changes through
 * every upstream holding it, including a retired one whose last exchanges are still running, so an
 * upstream could not keep its own flags true to nodes it shares.
 */
public final class HealthRegistry {
    private final LongSupplier nanoClock;
    private final ConcurrentMap<String, NodeHealth> nodes = new ConcurrentHashMap<>();
    /** When the latest ejection ends; before then some node may be out. */
    private volatile long lastEjectionEnds;
    private volatile boolean anyEjection;
    private volatile boolean anyActiveDown;

    /** @param nanoClock the clock of ejections ({@code System::nanoTime}) */
    public HealthRegistry(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The state of the node at this {@code host:port}, new when no upstream had it yet. */
    NodeHealth node(String address) {
        return nodes.computeIfAbsent(address, a -> new NodeHealth());
    }

    long now() {
        return nanoClock.getAsLong();
    }

    /** Whether some node, of any upstream, may be out of rotation now. */
    boolean anyOut() {
        return anyActiveDown || anyEjection && nanoClock.getAsLong() - lastEjectionEnds < 0;
    }

    /** Some node is out until this instant. */
    synchronized void ejectedUntil(long until) {
        if (!anyEjection || until - lastEjectionEnds > 0) {
            lastEjectionEnds = until;
        }
        anyEjection = true;
    }

    /**
     * An active check verdict changed. Looked up again rather than counted, so that a node
     * dropped while down, or checked through two upstreams, cannot leave a count wrong.
     */
    synchronized void activeVerdictChanged() {
        anyActiveDown = nodes.values().stream().anyMatch(NodeHealth::activeDown);
    }

    /**
     * Keeps the state of the nodes still in use and forgets the others, when a new configuration
     * takes over.
     *
     * @param used the {@code host:port} of every node of every upstream now running
     * @param checked those of them that an upstream checks actively; an active verdict on any
     *        other node is cleared, since no check is left that could ever lift it
     */
    public synchronized void retain(Set<String> used, Set<String> checked) {
        nodes.keySet().retainAll(used);
        nodes.forEach((address, node) -> {
            if (!checked.contains(address)) {
                node.clearActiveVerdict();
            }
        });
        activeVerdictChanged();
    }
}
