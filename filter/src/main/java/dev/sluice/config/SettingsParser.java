package dev.sluice.config;

import dev.sluice.clientip.Cidr;
import dev.sluice.clientip.TrustedProxies;
import dev.sluice.http.HopByHop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.eclipse.microprofile.config.Config;

/**
 * Turns MicroProfile Config properties under {@code sluice.} into {@link SluiceSettings}, at start
 * and on each reload. Every key is one of {@link Keys} and is read through it: an unknown key
 * (usually a typo) or a bad value stops the start with a {@link ConfigurationException} naming it.
 */
public final class SettingsParser {
    /** The prefix of every Sluice key. */
    public static final String PREFIX = "sluice.";

    /** Re-reading every source more often would cost more than any change could be urgent. */
    private static final int MIN_RELOAD_INTERVAL_MS = 100;
        /** Headers a rule may not touch: their values belong to the connection, the framing or the Host mode. */
    private static final Set<String> PROTECTED_HEADERS = HopByHop.caseInsensitive("content-length", "host", "expect");
    private static final String CIDR_LIST = "a comma separated list of IP addresses or CIDR blocks";

    private final KeyValues values;
    /** {@code sluice.io-threads}, read first: it is each upstream's {@code pool.io-threads} unless set. */
    private int sharedIoThreads;

    private SettingsParser(KeyValues values) {
        this.values = values;
    }

    /**
     * The filter's I/O threads unless configured: one per core, as HttpClient has, but at most
     * four. Each costs two threads (HttpClient starts a reactor from an executor thread that then
     * idles), and Tomcat itself polls all its connections from one thread.
     */
    private static int defaultIoThreads() {
        return Math.min(Runtime.getRuntime().availableProcessors(), 4);
    }

    /** Reads the settings from MicroProfile Config. */
    public static SluiceSettings parse(Config config) {
        return parse(config.getPropertyNames(), key -> config.getOptionalValue(key, String.class));
    }

    /**
     * Reads the settings from any key-value source.
     *
     * @param names every property name the source knows; those under {@code sluice.} define the
     *        routes and upstreams
     * @param lookup the value of a key, if set
     */
    public static SluiceSettings parse(Iterable<String> names, Function<String, Optional<String>> lookup) {
        List<String> ours = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(PREFIX)) {
                ours.add(name);
            }
        }
        return new SettingsParser(new KeyValues(ours, lookup)).parse();
    }

    private SluiceSettings parse() {
        KnownKeys.Owners owners = KnownKeys.check(values);
        if (owners.routes().isEmpty()) {
            throw new ConfigurationException(Keys.PATH.toString(), null,
                    "define at least one route, e.g. sluice.route.orders.path=/api/orders");
        }
        sharedIoThreads = values.integer(Keys.SHARED_IO_THREADS, null, defaultIoThreads());
        Map<String, UpstreamSettings> upstreams = new LinkedHashMap<>();
        for (String name : owners.upstreams()) {
            upstreams.put(name, upstream(name));
        }
        List<RouteSettings> routes = new ArrayList<>();
        Map<String, String> prefixes = new HashMap<>();
        for (String name : owners.routes()) {
            RouteSettings route = route(name, upstreams.keySet());
            String clash = prefixes.putIfAbsent(route.pathPrefix(), name);
            if (clash != null) {
                throw new ConfigurationException(Keys.PATH.in(name), route.pathPrefix(), "route '" + clash + "' already has this path");
            }
            routes.add(route);
        }
        for (String name : upstreams.keySet()) {
            if (routes.stream().noneMatch(r -> r.upstream().equals(name))) {
                throw new ConfigurationException(Keys.NODES.in(name), values.text(Keys.NODES, name).orElse(null),
                        "upstream '" + name + "' is used by no route; remove it or add a route with upstream=" + name);
            }
        }
        return new SluiceSettings(routes, upstreams, forwarding(), reloadInterval(), SharedLimitsReader.redis(values, upstreams),
                sharedIoThreads);
    }

    private Duration reloadInterval() {
        int millis = values.integer(Keys.RELOAD_INTERVAL, null);
        if (millis > 0 && millis < MIN_RELOAD_INTERVAL_MS) {
            throw new ConfigurationException(Keys.RELOAD_INTERVAL.in(null), String.valueOf(millis),
                    "0 (off) or at least " + MIN_RELOAD_INTERVAL_MS + " milliseconds");
        }
        return millis == 0 ? null : Duration.ofMillis(millis);
    }

    private ForwardingSettings forwarding() {
        TrustedProxies trusted = TrustedProxies.none();
        Optional<String> list = values.text(Keys.TRUSTED_PROXIES, null);
        if (list.isPresent()) {
            try {
                trusted = TrustedProxies.parse(list.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(Keys.TRUSTED_PROXIES.in(null), list.get(), CIDR_LIST + " (" + e.getMessage() + ")");
            }
        }
        String via = values.textOrDefault(Keys.VIA, null);
        if (!HeaderRulesReader.TOKEN.matcher(via).matches()) {
            throw new ConfigurationException(Keys.VIA.in(null), via, "a token (letters, digits and !#$%&'*+.^_`|~-)");
        }
        return new ForwardingSettings(trusted, values.flag(Keys.FORWARDED_HEADER, null), via,
                values.integer(Keys.REQUEST_BUFFER, null), status(), observability());
    }

    private ObservabilitySettings observability() {
        String header = values.textOrDefault(Keys.REQUEST_ID_HEADER, null);
        if (header.equalsIgnoreCase("none")) {
            values.refuseAny(null, "not allowed with " + Keys.REQUEST_ID_HEADER.in(null) + "=none", Keys.REQUEST_ID_GENERATE);
            header = null;
        } else if (!HeaderRulesReader.TOKEN.matcher(header).matches()) {
            throw new ConfigurationException(Keys.REQUEST_ID_HEADER.in(null), header, "a header name, or none");
        }
        return new ObservabilitySettings(values.flag(Keys.ACCESS_LOG, null), values.flag(Keys.METRICS, null), header,
                header != null && values.flag(Keys.REQUEST_ID_GENERATE, null), values.flag(Keys.TRACING, null));
    }

    private StatusSettings status() {
        Optional<String> path = values.text(Keys.STATUS_PATH, null);
        if (path.isEmpty()) {
            values.refuseAny(null, "only allowed together with " + Keys.STATUS_PATH.in(null), Keys.STATUS_ALLOW);
            return new StatusSettings(null, List.of());
        }
        if (!path.get().startsWith("/") || path.get().matches(".*[\\s?#%;].*")) {
            throw new ConfigurationException(Keys.STATUS_PATH.in(null), path.get(), "a plain path starting with '/', e.g. /_sluice/status");
        }
        String allow = values.textOrDefault(Keys.STATUS_ALLOW, null);
        List<Cidr> blocks = new ArrayList<>();
        try {
            for (String entry : allow.split(",")) {
                if (!entry.isBlank()) {
                    blocks.add(Cidr.parse(entry));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(Keys.STATUS_ALLOW.in(null), allow, CIDR_LIST + " (" + e.getMessage() + ")");
        }
        return new StatusSettings(path.get(), blocks);
    }

    private RouteSettings route(String name, Set<String> upstreams) {
        String path = values.required(Keys.PATH, name, "a path prefix starting with '/', e.g. /api/orders");
        if (!path.startsWith("/") || path.contains("//") || path.matches(".*[\\s?#%;*].*")
                || path.matches(".*(^|/)\\.{1,2}(/|$).*")) {
            throw new ConfigurationException(Keys.PATH.in(name), path, "a plain path prefix starting with '/', without '//', dot segments,"
                    + " '%', ';', '?', '#', '*' or spaces (a prefix matches every path below it: /api, not /api/*)");
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String upstream = values.required(Keys.ROUTE_UPSTREAM, name, "the name of an upstream defined with sluice.upstream.<name>.nodes");
        if (!upstreams.contains(upstream)) {
            throw new ConfigurationException(Keys.ROUTE_UPSTREAM.in(name), upstream,
                    "no upstream of that name; defined upstreams: " + (upstreams.isEmpty() ? "none" : String.join(", ", upstreams)));
        }
        return new RouteSettings(name, path, upstream, values.flag(Keys.STRIP_PREFIX, name));
    }

    private UpstreamSettings upstream(String name) {
        List<NodeSettings> nodes = NodesReader.nodes(values, name);
        Scheme scheme = values.choice(Keys.SCHEME, name, Scheme.class);
        BalanceSettings balance = new BalanceSettings(values.choice(Keys.BALANCE, name, BalanceMode.class),
                values.integer(Keys.IPV4_PREFIX, name), values.integer(Keys.IPV6_PREFIX, name));
        int timeoutMs = values.integer(Keys.TIMEOUT, name);
        int connectMs = values.integer(Keys.CONNECT_TIMEOUT, name, Math.min(timeoutMs, 5_000));
        TimeoutSettings timeouts = new TimeoutSettings(Duration.ofMillis(connectMs), Duration.ofMillis(timeoutMs));
        int candidates = (int) nodes.stream().filter(n -> n.weight() > 0).count();
        int totalMs = values.integer(Keys.TOTAL_TIMEOUT, name);
        RetrySettings retry = new RetrySettings(values.integer(Keys.RETRIES, name, candidates - 1),
                values.flag(Keys.RETRY_NON_IDEMPOTENT, name), totalMs == 0 ? null : Duration.ofMillis(totalMs));
        CallLimitSettings limits = SharedLimitsReader.limits(values, name,
                rateLimit(name, Keys.RATE_LIMIT, Keys.RATE_LIMIT_BURST, null),
                rateLimit(name, Keys.CLIENT_RATE_LIMIT, Keys.CLIENT_RATE_LIMIT_BURST, Keys.MAX_CLIENTS));
        return new UpstreamSettings(name, scheme, nodes, balance, headers(name), ResponseReader.response(values, name), timeouts, pool(name),
                values.integer(Keys.RESPONSE_BUFFER, name), retry, limits, TlsReader.tls(values, name, scheme),
                HealthReader.health(values, name), websocket(name));
    }

    private WebSocketSettings websocket(String upstream) {
        return new WebSocketSettings(values.flag(Keys.WEBSOCKET, upstream), values.integer(Keys.WEBSOCKET_MAX, upstream),
                Duration.ofMillis(values.integer(Keys.WEBSOCKET_IDLE, upstream)), values.integer(Keys.WEBSOCKET_BUFFER, upstream));
    }

    private PoolSettings pool(String upstream) {
        int maxTotal = values.integer(Keys.MAX_CONNECTIONS, upstream);
        return new PoolSettings(maxTotal,
                values.integer(Keys.MAX_PER_NODE, upstream, maxTotal),
                values.integer(Keys.MAX_WAITING, upstream, maxTotal),
                Duration.ofMillis(values.integer(Keys.IDLE_TIMEOUT, upstream)),
                values.integer(Keys.MAX_IDLE, upstream),
                values.integer(Keys.IO_THREADS, upstream, sharedIoThreads),
                values.integer(Keys.READ_BUFFER, upstream));
    }

    /** A token bucket, or {@code null} when {@code rateKey} is 0; {@code maxClientsKey} only for per-client limits. */
    private RateLimitSettings rateLimit(String upstream, Key rateKey, Key burstKey, Key maxClientsKey) {
        // At most 10 million a second: the limiter counts in whole nanoseconds per request, which
        // stays within 1 % of the rate up to there.
        int rate = values.integer(rateKey, upstream);
        if (rate == 0) {
            String onlyWith = "only allowed together with " + rateKey.in(upstream);
            values.refuseAny(upstream, onlyWith, burstKey);
            if (maxClientsKey != null) {
                values.refuseAny(upstream, onlyWith, maxClientsKey);
            }
            return null;
        }
        int burst = values.integer(burstKey, upstream, rate);
        int maxClients = maxClientsKey == null ? 0 : values.integer(maxClientsKey, upstream);
        return new RateLimitSettings(rate, burst, maxClients);
    }

    private HeaderSettings headers(String upstream) {
        HostMode hostMode = values.choice(Keys.HOST, upstream, HostMode.class);
        String rewriteKey = Keys.HOST_REWRITE.in(upstream);
        String rewrite = values.text(Keys.HOST_REWRITE, upstream).orElse(null);
        if (hostMode == HostMode.REWRITE) {
            if (rewrite == null || !rewrite.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(:[0-9]{1,5})?")) {
                throw new ConfigurationException(rewriteKey, rewrite, "a host[:port] to send as Host, required when host=rewrite");
            }
        } else if (rewrite != null) {
            throw new ConfigurationException(rewriteKey, rewrite, "only allowed together with host=rewrite");
        }
        return new HeaderSettings(hostMode, rewrite, HeaderRulesReader.rules(values, upstream, Keys.REMOVE_HEADERS,
                Keys.SET_HEADER, Keys.ADD_HEADER, PROTECTED_HEADERS, "not a hop-by-hop, framing or Host header;"
                        + " those belong to the connection (use host=rewrite for Host)"));
    }
}
