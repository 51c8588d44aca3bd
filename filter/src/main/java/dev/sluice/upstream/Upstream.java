package dev.sluice.upstream;

import dev.sluice.balancing.IpHash;
import dev.sluice.balancing.LoadBalancer;
import dev.sluice.balancing.SmoothWeightedRoundRobin;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.config.ActiveCheckSettings;
import dev.sluice.health.ActiveChecker;
import dev.sluice.health.HealthRegistry;
import dev.sluice.health.UpstreamHealth;
import dev.sluice.limits.CallLimits;
import dev.sluice.limits.SharedCallLimits;
import dev.sluice.limits.SharedCounting;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import javax.net.ssl.SSLContext;

import org.apache.hc.core5.util.Timeout;

/**
 * An upstream at run time: its settings, its nodes, its balancer, its call limits and its
 * connection pool. One per configured upstream, shared by every route and request that uses it.
 */
public final class Upstream implements Closeable {
    /** Clients whose ip-hash position is cached per upstream. */
    private static final int HASH_CACHE_SIZE = 100_000;

    private final UpstreamSettings settings;
    private final List<Node> nodes;
    private final LoadBalancer balancer;
    private final CallLimits limits;
    private final SharedCallLimits sharedLimits;
    private final UpstreamHealth health;
    private ActiveChecker checker;
    private ScheduledFuture<?> trim;
    private final ThrottledLog failureLog = new ThrottledLog(System.getLogger(Upstream.class.getName()));
    private final UpstreamClient client;
    private final UpstreamCounters counters;
    private final TunnelCounters tunnels = new TunnelCounters();
    /** Built at the first {@code wss} tunnel; the HTTP lanes keep their own. */
    private volatile SSLContext tunnelTls;
    private final ScheduledExecutorService timer;

    /**
     * Builds the upstream and starts its connection pool.
     *
     * @param nanoClock the clock of the rate limits
     * @param healthRegistry the filter's node health, which the nodes' state is taken from and kept in
     * @param timer the filter's timer, for the upstream's periodic work and the deadlines of
     *        requests waiting for a pooled connection
     */
    public Upstream(UpstreamSettings settings, LongSupplier nanoClock, HealthRegistry healthRegistry,
            ScheduledExecutorService timer) {
        this(settings, nanoClock, healthRegistry, timer, null);
    }

    /**
     * Builds the upstream and starts its connection pool.
     *
     * @param shared the filter's shared store, for limits counted there; {@code null} when none is configured
     */
    public Upstream(UpstreamSettings settings, LongSupplier nanoClock, HealthRegistry healthRegistry,
            ScheduledExecutorService timer, SharedCounting shared) {
        this(settings, nanoClock, healthRegistry, timer, shared, null);
    }

    /**
     * Builds the upstream and starts its connection pool.
     *
     * @param shared the filter's shared store, for limits counted there; {@code null} when none is configured
     * @param io the filter's I/O threads, which the upstream's connections live on; {@code null} for
     *        threads of its own ({@code pool.io-threads} of them), stopped with it
     */
    public Upstream(UpstreamSettings settings, LongSupplier nanoClock, HealthRegistry healthRegistry,
            ScheduledExecutorService timer, SharedCounting shared, IoThreads io) {
        this.settings = settings;
        this.timer = timer;
        List<Node> built = new ArrayList<>();
        int[] weights = new int[settings.nodes().size()];
        for (int i = 0; i < weights.length; i++) {
            built.add(Node.of(i, settings.nodes().get(i), settings.scheme()));
            weights[i] = settings.nodes().get(i).weight();
        }
        this.nodes = List.copyOf(built);
        this.counters = new UpstreamCounters(nodes.size());
        this.balancer = switch (settings.balance().mode()) {
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(weights);
            case IP_HASH -> new IpHash(nodes.stream().map(Node::address).toList(), weights,
                    settings.balance().ipv4HashPrefix(), settings.balance().ipv6HashPrefix(), HASH_CACHE_SIZE);
        };
        this.limits = CallLimits.of(settings.limits().upstreamWide(), settings.limits().perClient(), nanoClock);
        this.sharedLimits = settings.limits().shared() && shared != null
                ? new SharedCallLimits(settings.name(), settings.limits(), shared, nanoClock) : null;
        this.health = new UpstreamHealth(settings.name(), nodes.stream().map(Node::address).toList(), weights,
                settings.health(), healthRegistry);
        this.client = io == null ? new UpstreamClient(settings, timer) : new UpstreamClient(settings, timer, io);
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

    /** Running totals of the upstream's calls. */
    public UpstreamCounters counters() {
        return counters;
    }

    /** Running totals of the upstream's WebSocket tunnels. */
    public TunnelCounters tunnels() {
        return tunnels;
    }

    /**
     * The TLS context for tunnels to the nodes of an {@code https} upstream, from the upstream's
     * own TLS settings. Host names are the caller's to check, unless {@code tls.insecure}.
     */
    public SSLContext tunnelTls() {
        SSLContext context = tunnelTls;
        if (context == null) {
            context = UpstreamTls.context(settings.name(), settings.tls());
            tunnelTls = context;
        }
        return context;
    }

    /** The passive health of the nodes. */
    public UpstreamHealth health() {
        return health;
    }

    /** Where per-request failures and retries are logged, at most once a second. */
    public ThrottledLog failureLog() {
        return failureLog;
    }

    /** The call rate limits. */
    public CallLimits limits() {
        return limits;
    }

    /** The call rate limits counted in the shared store, or {@code null} when they are counted here. */
    public SharedCallLimits sharedLimits() {
        return sharedLimits;
    }

    /** How many nodes the upstream has. */
    public int size() {
        return nodes.size();
    }

    /**
     * The next node by the upstream's balancing, or {@code null} when none can take traffic.
     *
     * @param excluded nodes already tried for this request, or {@code null}
     */
    public Node pick(String clientAddress, BitSet excluded) {
        int index = balancer.pick(clientAddress, excluded);
        return index < 0 ? null : nodes.get(index);
    }

    /**
     * Starts the upstream's periodic work on the filter's timer: active health checks if
     * configured, and trimming the pool's idle surplus every second.
     */
    public void startTimers() {
        ActiveCheckSettings check = settings.health().activeCheck();
        if (check != null && checker == null) {
            Timeout timeout = Timeout.of(check.timeout());
            checker = new ActiveChecker(health, check, nodes.size(), i -> client.probe(nodes.get(i), check.path(), timeout));
            checker.start(timer);
        }
        if (trim == null) {
            trim = timer.scheduleWithFixedDelay(client::trimIdle, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Stops the periodic work, for an upstream a reload replaced; its exchanges go on. */
    public void stopTimers() {
        if (checker != null) {
            checker.close();
        }
        if (trim != null) {
            trim.cancel(false);
        }
    }

    /** Whether active health checks are configured. */
    public boolean hasActiveChecks() {
        return settings.health().activeCheck() != null;
    }

    @Override
    public void close() {
        stopTimers();
        client.close();
    }
}
