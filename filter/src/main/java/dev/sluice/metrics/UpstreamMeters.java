package dev.sluice.metrics;

import dev.sluice.health.NodeState;
import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.upstream.TunnelCounters;
import dev.sluice.upstream.Upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One upstream's meters (the table in docs/operations.md). Gauges read the running
 * {@link Upstream} when scraped and are bound again when a reload rebuilds it; counters and
 * timers are made on first use and kept, found again per exchange without allocating. Every tag
 * value comes from the configuration or a small fixed set, never from the request.
 */
final class UpstreamMeters {
    /** The bucket bounds OpenTelemetry's HTTP semantic conventions advise for durations, in seconds. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};
    private static final List<String> KNOWN_METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");
    private static final String NONE = "none";

    private final MeterRegistry registry;
    private final String name;
    private final Tags tags;
    private final Queue<Meter> owned = new ConcurrentLinkedQueue<>();
    private final List<Meter> gauges = new ArrayList<>();
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    /**
     * Summaries in seconds, as the conventions define the histogram, rather than Micrometer
     * timers: a timer also looks up a pause detector (LatencyUtils), which applications rarely
     * ship, on the request path's first use.
     */
    private final Map<DurationKey, DistributionSummary> durations = new ConcurrentHashMap<>();
    private volatile Upstream bound;
    private volatile boolean removed;

    UpstreamMeters(MeterRegistry registry, Upstream upstream) {
        this.registry = registry;
        this.name = upstream.name();
        this.tags = Tags.of("upstream", name);
        bind(upstream);
    }

    /** Points the gauges at this upstream: the one running under the name now. */
    synchronized void bind(Upstream upstream) {
        if (upstream == bound) {
            return;
        }
        gauges.forEach(this::forget);
        gauges.clear();
        bound = upstream;
        gauges.add(Gauge.builder("sluice.exchanges.active", upstream, u -> u.counters().exchanges()).tags(tags)
                .description("Requests of the upstream in flight: reading the body, waiting for a connection, or answering")
                .strongReference(true).register(registry));
        gauges.add(pool(upstream, "leased"));
        gauges.add(pool(upstream, "available"));
        gauges.add(pool(upstream, "pending"));
        tunnels(upstream);
        for (int i = 0; i < upstream.size(); i++) {
            int node = i;
            Tags nodeTags = tags.and("node", upstream.settings().nodes().get(i).address());
            for (NodeState.Condition state : NodeState.Condition.values()) {
                gauges.add(Gauge.builder("sluice.node.state", upstream, u -> u.health().state(node).condition() == state ? 1 : 0)
                        .tags(nodeTags.and("state", state.label()))
                        .description("1 for the node's state now (up, ejected by passive health, down by active checks), else 0")
                        .strongReference(true).register(registry));
            }
            gauges.add(FunctionCounter.builder("sluice.node.ejections", upstream, u -> u.health().state(node).ejections())
                    .tags(nodeTags).description("Times the node was taken out of rotation by passive health")
                    .register(registry));
        }
        if (removed) {
            gauges.forEach(this::forget);
        }
    }

    /** The upstream's WebSocket tunnels: open now, opened, closed by which side, refused, bytes held for slow readers. */
    private void tunnels(Upstream upstream) {
        gauges.add(Gauge.builder("sluice.websocket.tunnels.active", upstream, u -> u.tunnels().open()).tags(tags)
                .description("WebSocket tunnels of the upstream open now, handshakes under way included").strongReference(true).register(registry));
        gauges.add(FunctionCounter.builder("sluice.websocket.tunnels.opened", upstream, u -> u.tunnels().opened()).tags(tags)
                .description("WebSocket tunnels opened (the node answered 101)").register(registry));
        for (TunnelCounters.Closer closer : TunnelCounters.Closer.values()) {
            gauges.add(FunctionCounter.builder("sluice.websocket.tunnels.closed", upstream, u -> switch (closer) {
                case CLIENT -> u.tunnels().closedByClient();
                case UPSTREAM -> u.tunnels().closedByUpstream();
                case IDLE -> u.tunnels().closedIdle();
            }).tags(tags.and("by", closer.name().toLowerCase(Locale.ROOT)))
                    .description("WebSocket tunnels closed: by the client, by the node, or by Sluice after websocket.idle-timeout")
                    .register(registry));
        }
        gauges.add(FunctionCounter.builder("sluice.websocket.tunnels.refused", upstream, u -> u.tunnels().refused()).tags(tags)
                .description("WebSocket handshakes answered 503 at websocket.max-connections").register(registry));
        for (TunnelCounters.Direction direction : TunnelCounters.Direction.values()) {
            gauges.add(Gauge.builder("sluice.websocket.held", upstream, u -> direction == TunnelCounters.Direction.TO_CLIENT
                    ? u.tunnels().heldToClient() : u.tunnels().heldToUpstream())
                    .tags(tags.and("direction", direction == TunnelCounters.Direction.TO_CLIENT ? "to_client" : "to_upstream"))
                    .baseUnit("bytes").description("Bytes the upstream's tunnels hold now for readers slower than their senders")
                    .strongReference(true).register(registry));
        }
    }

    private Meter pool(Upstream upstream, String state) {
        return Gauge.builder("sluice.pool.connections", upstream, u -> switch (state) {
            case "leased" -> u.client().poolStats().getLeased();
            case "available" -> u.client().poolStats().getAvailable();
            default -> u.client().poolStats().getPending();
        }).tags(tags.and("state", state))
                .description("The upstream's pooled connections: leased to an exchange, idle and available, or requests waiting for one")
                .strongReference(true).register(registry);
    }

    void attemptEnded(ExchangeRecord exchange, Attempt attempt) {
        route(exchange.route()).attempts.increment();
        int status = attempt.status();
        String error = attempt.failure() != null ? attempt.failure() : status >= 400 ? Integer.toString(status) : NONE;
        String method = KNOWN_METHODS.contains(exchange.method()) ? exchange.method() : "_OTHER";
        DurationKey key = new DurationKey(attempt.node(), method, status, error);
        DistributionSummary duration = durations.get(key);
        if (duration == null) {
            duration = durations.computeIfAbsent(key, k -> own(DistributionSummary.builder("http.client.request.duration")
                    .baseUnit("seconds").tags(tags).tag("http.request.method", k.method())
                    .tag("http.response.status_code", k.status() == 0 ? NONE : Integer.toString(k.status()))
                    .tag("server.address", bound.settings().nodes().get(k.node()).host())
                    .tag("server.port", Integer.toString(bound.settings().nodes().get(k.node()).port()))
                    .tag("error.type", k.error())
                    .serviceLevelObjectives(BUCKETS)
                    .description("Duration of each attempt to a node, from sending the request to the response's end or the failure")
                    .register(registry)));
        }
        duration.record(attempt.durationNanos() / 1e9);
    }

    void exchangeEnded(ExchangeRecord exchange) {
        RouteMeters route = route(exchange.route());
        route.outcome(exchange.outcome(), exchange.failure()).increment();
        if (exchange.bytesIn() > 0) {
            route.bytesIn.increment(exchange.bytesIn());
        }
        if (exchange.bytesOut() > 0) {
            route.bytesOut.increment(exchange.bytesOut());
        }
    }

    private RouteMeters route(String route) {
        RouteMeters meters = routes.get(route);
        return meters != null ? meters : routes.computeIfAbsent(route, RouteMeters::new);
    }

    /** Takes every meter of the upstream out of the registry: it no longer runs, or the filter stopped. */
    synchronized void remove() {
        removed = true;
        gauges.forEach(this::forget);
        for (Meter meter; (meter = owned.poll()) != null;) {
            forget(meter);
        }
    }

    private <M extends Meter> M own(M meter) {
        owned.add(meter);
        if (removed) {
            // Made by an exchange that ended as the upstream was removed: not left behind.
            forget(meter);
        }
        return meter;
    }

    private void forget(Meter meter) {
        registry.remove(meter);
    }

    /**
     * A summary's tags in short. A plain class, not a record: a record's {@code equals} and
     * {@code hashCode} are bootstrapped through the JDK's method handles, and that kept an
     * undeployed application's class loader reachable (the redeploy leak test found it).
     */
    private static final class DurationKey {
        private final int node;
        private final String method;
        private final int status;
        private final String error;

        DurationKey(int node, String method, int status, String error) {
            this.node = node;
            this.method = method;
            this.status = status;
            this.error = error;
        }

        int node() {
            return node;
        }

        String method() {
            return method;
        }

        int status() {
            return status;
        }

        String error() {
            return error;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof DurationKey key && key.node == node && key.status == status && key.method.equals(method)
                    && key.error.equals(error);
        }

        @Override
        public int hashCode() {
            return ((node * 31 + status) * 31 + method.hashCode()) * 31 + error.hashCode();
        }
    }

    /** The counters of one route to the upstream. */
    private final class RouteMeters {
        private final Tags routeTags;
        private final Counter[] outcomes = new Counter[ExchangeRecord.Outcome.values().length];
        private final Map<String, Counter> failures = new ConcurrentHashMap<>();
        final Counter attempts;
        final Counter bytesIn;
        final Counter bytesOut;

        RouteMeters(String route) {
            routeTags = tags.and("route", route);
            for (ExchangeRecord.Outcome outcome : ExchangeRecord.Outcome.values()) {
                if (outcome != ExchangeRecord.Outcome.FAILED) {
                    outcomes[outcome.ordinal()] = requests(outcome, NONE);
                }
            }
            attempts = own(Counter.builder("sluice.attempts").tags(routeTags)
                    .description("Attempts sent to the upstream's nodes, retries and resends included").register(registry));
            bytesIn = own(Counter.builder("sluice.request.body").baseUnit("bytes").tags(routeTags)
                    .description("Request body bytes received from clients").register(registry));
            bytesOut = own(Counter.builder("sluice.response.body").baseUnit("bytes").tags(routeTags)
                    .description("Response body bytes handed to clients' connections").register(registry));
        }

        Counter outcome(ExchangeRecord.Outcome outcome, String failure) {
            if (outcome != ExchangeRecord.Outcome.FAILED) {
                return outcomes[outcome.ordinal()];
            }
            Counter counter = failures.get(failure);
            return counter != null ? counter : failures.computeIfAbsent(failure, kind -> requests(outcome, kind));
        }

        private Counter requests(ExchangeRecord.Outcome outcome, String failure) {
            return own(Counter.builder("sluice.requests").tags(routeTags).tag("outcome", outcome.tag()).tag("failure", failure)
                    .description("Proxied requests by how they ended").register(registry));
        }
    }
}
