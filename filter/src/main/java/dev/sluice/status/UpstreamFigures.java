package dev.sluice.status;

import dev.sluice.config.NodeSettings;
import dev.sluice.health.NodeState;
import dev.sluice.limits.SharedCounting;
import dev.sluice.upstream.RecentOutcomes;
import dev.sluice.upstream.TunnelCounters;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.UpstreamCounters;

import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.pool.PoolStats;

/**
 * One upstream's figures, read once for one rendering, so that the JSON view and the page show
 * the same numbers from the same instant.
 *
 * @param exchanges requests admitted and not yet answered (attempts under way, waiting for a
 *        connection, or reading the request body)
 */
record UpstreamFigures(String name, long requests, long retries, long rateLimited, long failures, long overloaded,
        SharedStore sharedStore, int exchanges, PoolStats pool, WebSockets webSockets, List<NodeFigures> nodes) {

    /**
     * The upstream's WebSocket tunnels: open now, opened, closed by whom, refused beyond the limit;
     * the bytes they hold now each way, and the most one direction of one tunnel held at once.
     */
    record WebSockets(int open, long opened, long closedByClient, long closedByUpstream, long closedIdle, long refused,
            long heldToClient, long heldToUpstream, int mostHeld) {
        static WebSockets of(TunnelCounters tunnels) {
            return new WebSockets(tunnels.open(), tunnels.opened(), tunnels.closedByClient(), tunnels.closedByUpstream(),
                    tunnels.closedIdle(), tunnels.refused(), tunnels.heldToClient(), tunnels.heldToUpstream(),
                    tunnels.mostHeld());
        }
    }

    /**
     * Where a shared rate limit is counted, when the upstream's limits are shared (else null).
     *
     * @param state {@code shared}, {@code fallback} or {@code starting}
     */
    record SharedStore(String kind, String state, long fallbackSwitches, long fallbackDecisions) {
    }

    /**
     * @param state the state as one line of text, as JMX shows it
     * @param health the state as figures
     * @param recent the attempts of the last {@link RecentOutcomes#WINDOW_SECONDS} seconds
     */
    record NodeFigures(String address, int weight, String state, NodeState health, int inFlight, long successes,
            long failures, RecentOutcomes.Window recent) {
    }

    static UpstreamFigures of(Upstream upstream) {
        UpstreamCounters counters = upstream.counters();
        List<NodeSettings> settings = upstream.settings().nodes();
        List<NodeFigures> nodes = new ArrayList<>(settings.size());
        for (int n = 0; n < settings.size(); n++) {
            nodes.add(new NodeFigures(settings.get(n).address(), settings.get(n).weight(), upstream.health().describe(n),
                    upstream.health().state(n), counters.inFlight(n), counters.successes(n), counters.failures(n),
                    counters.recent(n)));
        }
        SharedCounting shared = upstream.sharedLimits() == null ? null : upstream.sharedLimits().counting();
        SharedStore store = shared == null ? null
                : new SharedStore("redis", shared.state(), shared.switchesToFallback(), shared.fallbackDecisions());
        return new UpstreamFigures(upstream.name(), counters.requests(), counters.retries(), counters.rateLimited(),
                counters.failures(), counters.overloaded(), store, counters.exchanges(), upstream.client().poolStats(),
                WebSockets.of(upstream.tunnels()), nodes);
    }

    static List<UpstreamFigures> of(List<Upstream> upstreams) {
        return upstreams.stream().map(UpstreamFigures::of).toList();
    }
}
