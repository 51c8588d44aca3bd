package dev.sluice.config;

import dev.sluice.clientip.Cidr;
import dev.sluice.clientip.IpLiterals;
import dev.sluice.clientip.TrustedProxies;
import dev.sluice.http.HopByHop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;

/**
 * Turns MicroProfile Config properties under {@code sluice.} into {@link SluiceSettings}, at start
 * and on each reload. Every key is checked: an unknown key (usually a typo) or a bad value stops the start with a
 * {@link ConfigurationException} naming it. The reference of every key is {@code docs/configuration.md}.
 */
public final class SettingsParser {
    /** The prefix of every Sluice key. */
    public static final String PREFIX = "sluice.";

    private static final Pattern NAMED_KEY = Pattern.compile("sluice\\.(route|upstream)\\.([A-Za-z0-9_-]+)\\.(.+)");
    private static final Pattern NODE = Pattern.compile(
            "(?<host>\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(?<port>[0-9]{1,5})(?:\\s+weight=(?<weight>[0-9]+))?");

    private static final Set<String> GLOBAL_KEYS = Set.of(
            "sluice.trusted-proxies", "sluice.forwarded-header", "sluice.via", "sluice.request-buffer",
            "sluice.status.path", "sluice.status.allow", "sluice.reload-interval");
    private static final Set<String> ROUTE_KEYS = Set.of("path", "upstream", "strip-prefix");
    private static final Set<String> UPSTREAM_KEYS = Set.of(
            "nodes", "scheme", "balance", "host", "host.rewrite", "connect-timeout", "timeout",
            "pool.max-connections", "pool.max-per-node", "pool.max-waiting", "pool.idle-timeout", "pool.max-idle", "pool.io-threads", "pool.read-buffer",
            "response-buffer",
            "hash.ipv4-prefix", "hash.ipv6-prefix", "retries", "retry.non-idempotent", "timeout.total",
            "rate-limit", "rate-limit.burst", "rate-limit.per-client", "rate-limit.per-client.burst",
            "rate-limit.per-client.max-clients", "request-headers.remove",
            "tls.trust-store", "tls.trust-store.password", "tls.key-store", "tls.key-store.password", "tls.insecure",
            "health.max-fails", "health.ejection", "health.max-ejection", "health.max-ejected-percent",
            "health.failure-statuses", "health.fail-open",
            "health.check.path", "health.check.interval", "health.check.timeout", "health.check.statuses",
            "health.check.healthy-threshold", "health.check.unhealthy-threshold");
    /** Upstream keys that end in a header name. */
    private static final List<String> UPSTREAM_HEADER_KEYS = List.of("request-headers.set.", "request-headers.add.");
    /** Re-reading every source more often would cost more than any change could be urgent. */
    private static final int MIN_RELOAD_INTERVAL_MS = 100;
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    /** Headers a rule may not touch: their values belong to the connection, the framing or the Host mode. */
    private static final Set<String> PROTECTED_HEADERS = Set.of("content-length", "host", "expect");

    private final Function<String, Optional<String>> lookup;
    private final List<String> allNames = new ArrayList<>();

    private SettingsParser(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /**
     * I/O threads per upstream unless configured: one per core, as HttpClient has, but at most
     * four. Each costs two threads (HttpClient starts a reactor from an executor thread that then
     * idles), Tomcat itself polls all its connections from one thread, and an application with
     * many upstreams on a large machine would otherwise run hundreds of threads for them.
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
        return new SettingsParser(lookup).parse(names);
    }

    private SluiceSettings parse(Iterable<String> names) {
        Set<String> routeNames = new LinkedHashSet<>();
        Set<String> upstreamNames = new LinkedHashSet<>();
        for (String name : names) {
            if (name.startsWith(PREFIX)) {
                allNames.add(name);
            }
        }
        // Sources list names in any order; sorted, the same configuration always gives equal
        // settings (a reload compares them) and header rules always apply in the same order.
        Collections.sort(allNames);
        for (String name : allNames) {
            Matcher m = NAMED_KEY.matcher(name);
            if (m.matches()) {
                boolean route = m.group(1).equals("route");
                if (!(route ? ROUTE_KEYS.contains(m.group(3)) : isUpstreamKey(m.group(3)))) {
                    throw new ConfigurationException(name, value(name).orElse(""), "unknown key; a "
                            + m.group(1) + " accepts " + String.join(", ", sorted(route ? ROUTE_KEYS : UPSTREAM_KEYS)));
                }
                (route ? routeNames : upstreamNames).add(m.group(2));
            } else if (!GLOBAL_KEYS.contains(name)) {
                throw new ConfigurationException(name, value(name).orElse(""),
                        "unknown key; known are sluice.route.<name>.*, sluice.upstream.<name>.* and "
                                + String.join(", ", sorted(GLOBAL_KEYS)));
            }
        }
        if (routeNames.isEmpty()) {
            throw new ConfigurationException("sluice.route.<name>.path", null,
                    "define at least one route, e.g. sluice.route.orders.path=/api/orders");
        }

        Map<String, UpstreamSettings> upstreams = new LinkedHashMap<>();
        for (String name : upstreamNames) {
            upstreams.put(name, upstream(name));
        }
        List<RouteSettings> routes = new ArrayList<>();
        Map<String, String> prefixes = new HashMap<>();
        for (String name : routeNames) {
            RouteSettings route = route(name, upstreams.keySet());
            String clash = prefixes.putIfAbsent(route.pathPrefix(), name);
            if (clash != null) {
                throw new ConfigurationException(key("route", name, "path"), route.pathPrefix(),
                        "route '" + clash + "' already has this path");
            }
            routes.add(route);
        }
        for (String name : upstreams.keySet()) {
            if (routes.stream().noneMatch(r -> r.upstream().equals(name))) {
                throw new ConfigurationException(key("upstream", name, "nodes"), value(key("upstream", name, "nodes")).orElse(null),
                        "upstream '" + name + "' is used by no route; remove it or add a route with upstream=" + name);
            }
        }
        return new SluiceSettings(routes, upstreams, forwarding(), reloadInterval());
    }

    private Duration reloadInterval() {
        String key = "sluice.reload-interval";
        int millis = integer(key, 0, 0, Integer.MAX_VALUE, "milliseconds (0 for off)");
        if (millis > 0 && millis < MIN_RELOAD_INTERVAL_MS) {
            throw new ConfigurationException(key, value(key).get(),
                    "0 (off) or at least " + MIN_RELOAD_INTERVAL_MS + " milliseconds");
        }
        return millis == 0 ? null : Duration.ofMillis(millis);
    }

    private static boolean isUpstreamKey(String suffix) {
        return UPSTREAM_KEYS.contains(suffix) || UPSTREAM_HEADER_KEYS.stream().anyMatch(suffix::startsWith);
    }

    private ForwardingSettings forwarding() {
        String trustedKey = "sluice.trusted-proxies";
        TrustedProxies trusted = TrustedProxies.none();
        Optional<String> list = value(trustedKey);
        if (list.isPresent()) {
            try {
                trusted = TrustedProxies.parse(list.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(trustedKey, list.get(),
                        "a comma separated list of IP addresses or CIDR blocks (" + e.getMessage() + ")");
            }
        }
        boolean forwarded = bool("sluice.forwarded-header", false);
        String via = value("sluice.via").orElse("sluice");
        if (!via.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw new ConfigurationException("sluice.via", via, "a token (letters, digits and !#$%&'*+.^_`|~-)");
        }
        int buffer = integer("sluice.request-buffer", 65_536, 1_024, 16 * 1024 * 1024, "bytes");
        return new ForwardingSettings(trusted, forwarded, via, buffer, status());
    }

    private StatusSettings status() {
        Optional<String> path = value("sluice.status.path");
        String allowKey = "sluice.status.allow";
        if (path.isEmpty()) {
            if (value(allowKey).isPresent()) {
                throw new ConfigurationException(allowKey, value(allowKey).get(), "only allowed together with sluice.status.path");
            }
            return new StatusSettings(null, List.of());
        }
        if (!path.get().startsWith("/") || path.get().matches(".*[\\s?#%;].*")) {
            throw new ConfigurationException("sluice.status.path", path.get(), "a plain path starting with '/', e.g. /_sluice/status");
        }
        String allow = value(allowKey).orElse("127.0.0.1/32, ::1/128");
        List<Cidr> blocks = new ArrayList<>();
        try {
            for (String entry : allow.split(",")) {
                if (!entry.isBlank()) {
                    blocks.add(Cidr.parse(entry));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(allowKey, allow, "a comma separated list of IP addresses or CIDR blocks (" + e.getMessage() + ")");
        }
        return new StatusSettings(path.get(), blocks);
    }

    private RouteSettings route(String name, Set<String> upstreams) {
        String pathKey = key("route", name, "path");
        String path = value(pathKey).orElseThrow(() -> new ConfigurationException(pathKey, null,
                "a path prefix starting with '/', e.g. /api/orders"));
        if (!path.startsWith("/") || path.contains("//") || path.matches(".*[\\s?#%;*].*")
                || path.matches(".*(^|/)\\.{1,2}(/|$).*")) {
            throw new ConfigurationException(pathKey, path, "a plain path prefix starting with '/', without '//', dot segments,"
                    + " '%', ';', '?', '#', '*' or spaces (a prefix matches every path below it: /api, not /api/*)");
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String upstreamKey = key("route", name, "upstream");
        String upstream = value(upstreamKey).orElseThrow(() -> new ConfigurationException(upstreamKey, null,
                "the name of an upstream defined with sluice.upstream.<name>.nodes"));
        if (!upstreams.contains(upstream)) {
            throw new ConfigurationException(upstreamKey, upstream,
                    "no upstream of that name; defined upstreams: " + (upstreams.isEmpty() ? "none" : String.join(", ", upstreams)));
        }
        boolean strip = bool(key("route", name, "strip-prefix"), false);
        return new RouteSettings(name, path, upstream, strip);
    }

    private UpstreamSettings upstream(String name) {
        String nodesKey = key("upstream", name, "nodes");
        List<NodeSettings> nodes = nodes(nodesKey, value(nodesKey).orElseThrow(() -> new ConfigurationException(nodesKey, null,
                "a comma separated list of host:port, each optionally followed by weight=N")));
        Scheme scheme = choice(key("upstream", name, "scheme"), Scheme.class, Scheme.HTTP);
        BalanceMode balance = choice(key("upstream", name, "balance"), BalanceMode.class, BalanceMode.ROUND_ROBIN);
        HostMode hostMode = choice(key("upstream", name, "host"), HostMode.class, HostMode.NODE);
        String rewriteKey = key("upstream", name, "host.rewrite");
        String rewrite = value(rewriteKey).orElse(null);
        if (hostMode == HostMode.REWRITE) {
            if (rewrite == null || !rewrite.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(:[0-9]{1,5})?")) {
                throw new ConfigurationException(rewriteKey, rewrite, "a host[:port] to send as Host, required when host=rewrite");
            }
        } else if (rewrite != null) {
            throw new ConfigurationException(rewriteKey, rewrite, "only allowed together with host=rewrite");
        }
        int timeoutMs = integer(key("upstream", name, "timeout"), 30_000, 1, Integer.MAX_VALUE, "milliseconds");
        int connectMs = integer(key("upstream", name, "connect-timeout"), Math.min(timeoutMs, 5_000), 1, Integer.MAX_VALUE, "milliseconds");
        int maxTotal = integer(key("upstream", name, "pool.max-connections"), 1_024, 1, 1_000_000, "connections");
        int maxPerNode = integer(key("upstream", name, "pool.max-per-node"), maxTotal, 1, 1_000_000, "connections");
        int maxWaiting = integer(key("upstream", name, "pool.max-waiting"), maxTotal, 0, 1_000_000, "requests");
        int idleMs = integer(key("upstream", name, "pool.idle-timeout"), 60_000, 1, Integer.MAX_VALUE, "milliseconds");
        int maxIdle = integer(key("upstream", name, "pool.max-idle"), 64, 0, 1_000_000, "connections");
        int ioThreads = integer(key("upstream", name, "pool.io-threads"), defaultIoThreads(), 1, 256, "threads");
        // Four times HttpClient's 8 KiB: large bodies then cost less CPU per byte, and every open
        // connection holds three such buffers.
        int readBuffer = integer(key("upstream", name, "pool.read-buffer"), 32 * 1024, 1024, 1024 * 1024, "bytes");
        int responseBuffer = integer(key("upstream", name, "response-buffer"), 256 * 1024, 32 * 1024, 16 * 1024 * 1024, "bytes");
        int ipv4Prefix = integer(key("upstream", name, "hash.ipv4-prefix"), 32, 1, 32, "bits");
        int ipv6Prefix = integer(key("upstream", name, "hash.ipv6-prefix"), 64, 1, 128, "bits");
        int candidates = (int) nodes.stream().filter(n -> n.weight() > 0).count();
        int retries = integer(key("upstream", name, "retries"), candidates - 1, 0, 100, "retries");
        int totalMs = integer(key("upstream", name, "timeout.total"), 0, 0, Integer.MAX_VALUE, "milliseconds (0 for none)");
        RetrySettings retry = new RetrySettings(retries, bool(key("upstream", name, "retry.non-idempotent"), false),
                totalMs == 0 ? null : Duration.ofMillis(totalMs));
        return new UpstreamSettings(name, scheme, nodes, balance, hostMode, rewrite,
                Duration.ofMillis(connectMs), Duration.ofMillis(timeoutMs), maxTotal, maxPerNode, maxWaiting, Duration.ofMillis(idleMs),
                maxIdle, ioThreads, readBuffer, responseBuffer, ipv4Prefix, ipv6Prefix, retry,
                rateLimit(key("upstream", name, "rate-limit"), 0),
                rateLimit(key("upstream", name, "rate-limit.per-client"), 100_000),
                headerRules(name), tls(name, scheme), health(name));
    }

    private HealthSettings health(String upstream) {
        String prefix = key("upstream", upstream, "health.");
        int maxFails = integer(prefix + "max-fails", 3, 0, 1_000, "failures (0 turns passive health off)");
        int ejection = integer(prefix + "ejection", 10_000, 1, Integer.MAX_VALUE, "milliseconds");
        int maxEjection = integer(prefix + "max-ejection", Math.max(ejection, 300_000), ejection, Integer.MAX_VALUE,
                "milliseconds, at least health.ejection");
        int maxPercent = integer(prefix + "max-ejected-percent", 50, 0, 100, "percent");
        Set<Integer> statuses = new java.util.TreeSet<>();
        String statusKey = prefix + "failure-statuses";
        for (String status : value(statusKey).map(v -> v.split(",")).orElse(new String[0])) {
            int code = parseOr(status.trim(), -1);
            if (code < 500 || code > 599) {
                throw new ConfigurationException(statusKey, value(statusKey).get(), "a comma separated list of 5xx statuses");
            }
            statuses.add(code);
        }
        return new HealthSettings(maxFails, Duration.ofMillis(ejection), Duration.ofMillis(maxEjection), maxPercent,
                statuses, bool(prefix + "fail-open", false), activeCheck(prefix + "check."));
    }

    private ActiveCheckSettings activeCheck(String prefix) {
        Optional<String> path = value(prefix + "path");
        if (path.isEmpty()) {
            for (String key : List.of("interval", "timeout", "statuses", "healthy-threshold", "unhealthy-threshold")) {
                if (value(prefix + key).isPresent()) {
                    throw new ConfigurationException(prefix + key, value(prefix + key).get(), "only allowed together with " + prefix + "path");
                }
            }
            return null;
        }
        if (!path.get().startsWith("/") || path.get().matches(".*[\\s#].*")) {
            throw new ConfigurationException(prefix + "path", path.get(), "a request path starting with '/', e.g. /health");
        }
        int interval = integer(prefix + "interval", 5_000, 10, Integer.MAX_VALUE, "milliseconds");
        int timeout = integer(prefix + "timeout", Math.min(2_000, interval), 1, Integer.MAX_VALUE, "milliseconds");
        String statuses = value(prefix + "statuses").orElse("200-399");
        Matcher range = Pattern.compile("([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?").matcher(statuses.trim());
        if (!range.matches() || (range.group(2) != null && Integer.parseInt(range.group(2)) < Integer.parseInt(range.group(1)))) {
            throw new ConfigurationException(prefix + "statuses", statuses, "a status or a range such as 200-399");
        }
        int min = Integer.parseInt(range.group(1));
        int max = range.group(2) == null ? min : Integer.parseInt(range.group(2));
        return new ActiveCheckSettings(path.get(), Duration.ofMillis(interval), Duration.ofMillis(timeout), min, max,
                integer(prefix + "healthy-threshold", 2, 1, 1_000, "checks"),
                integer(prefix + "unhealthy-threshold", 3, 1, 1_000, "checks"));
    }

    private RateLimitSettings rateLimit(String key, int defaultMaxClients) {
        // At most 10 million a second: the limiter counts in whole nanoseconds per request, which
        // stays within 1 % of the rate up to there.
        int rate = integer(key, 0, 0, 10_000_000, "requests per second (0 for no limit)");
        if (rate == 0) {
            for (String refinement : List.of(key + ".burst", key + ".max-clients")) {
                if (value(refinement).isPresent()) {
                    throw new ConfigurationException(refinement, value(refinement).get(), "only allowed together with " + key);
                }
            }
            return null;
        }
        int burst = integer(key + ".burst", rate, 1, 1_000_000_000, "requests");
        int maxClients = defaultMaxClients == 0 ? 0
                : integer(key + ".max-clients", defaultMaxClients, 1, 100_000_000, "clients");
        return new RateLimitSettings(rate, burst, maxClients);
    }

    private List<HeaderRule> headerRules(String upstream) {
        List<HeaderRule> rules = new ArrayList<>();
        String removeKey = key("upstream", upstream, "request-headers.remove");
        for (String header : value(removeKey).map(v -> v.split(",")).orElse(new String[0])) {
            rules.add(new HeaderRule(HeaderRule.Action.REMOVE, headerName(removeKey, header.trim()), null));
        }
        for (String kind : UPSTREAM_HEADER_KEYS) {
            String prefix = key("upstream", upstream, kind);
            for (String name : allNames) {
                if (name.startsWith(prefix)) {
                    String header = headerName(name, name.substring(prefix.length()));
                    String headerValue = lookup.apply(name).orElse("");
                    if (headerValue.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                        throw new ConfigurationException(name, headerValue, "a header value without control characters");
                    }
                    HeaderRule.Action action = kind.contains(".set.") ? HeaderRule.Action.SET : HeaderRule.Action.ADD;
                    rules.add(new HeaderRule(action, header, headerValue.trim()));
                }
            }
        }
        return rules;
    }

    private static String headerName(String key, String header) {
        if (!TOKEN.matcher(header).matches()) {
            throw new ConfigurationException(key, header, "a header name (letters, digits and !#$%&'*+.^_`|~-)");
        }
        if (HopByHop.isFixed(header) || PROTECTED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
            throw new ConfigurationException(key, header, "not a hop-by-hop, framing or Host header;"
                    + " those belong to the connection (use host=rewrite for Host)");
        }
        return header;
    }

    private TlsSettings tls(String upstream, Scheme scheme) {
        String trustKey = key("upstream", upstream, "tls.trust-store");
        String keyKey = key("upstream", upstream, "tls.key-store");
        String insecureKey = key("upstream", upstream, "tls.insecure");
        Path trust = file(trustKey);
        Path keys = file(keyKey);
        boolean insecure = bool(insecureKey, false);
        String trustPassword = value(trustKey + ".password").orElse(null);
        String keyPassword = value(keyKey + ".password").orElse(null);
        if (scheme != Scheme.HTTPS) {
            for (String key : List.of(trustKey, trustKey + ".password", keyKey, keyKey + ".password", insecureKey)) {
                if (value(key).isPresent()) {
                    throw new ConfigurationException(key, value(key).get(), "only allowed with scheme=https");
                }
            }
        }
        for (String storeKey : List.of(trustKey, keyKey)) {
            if (value(storeKey + ".password").isPresent() && value(storeKey).isEmpty()) {
                throw new ConfigurationException(storeKey + ".password", "(hidden)", "only allowed together with " + storeKey);
            }
        }
        if (keys != null && !TlsStores.isPkcs12(keys)) {
            throw new ConfigurationException(keyKey, keys.toString(), "a PKCS12 file named *.p12 or *.pfx");
        }
        if (insecure && trust != null) {
            throw new ConfigurationException(insecureKey, "true", "not together with " + trustKey);
        }
        readable(trustKey, trust, () -> TlsStores.trustStore(trust, trustPassword),
                "a PEM file of certificates, or a PKCS12 store (.p12, .pfx) that " + trustKey + ".password opens");
        readable(keyKey, keys, () -> TlsStores.keyStore(keys, keyPassword), "a PKCS12 store that " + keyKey + ".password opens");
        return new TlsSettings(trust, trustPassword, keys, keyPassword, insecure, storesDigest(trustKey, keyKey));
    }

    /** Fails the start, naming the key, if the store it names cannot be read as what it should be. */
    private static void readable(String key, Path file, TlsStores.Loader loader, String expected) {
        if (file == null) {
            return;
        }
        try {
            loader.load();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigurationException(key, file.toString(), expected + "; reading it failed: " + e.getMessage());
        }
    }

    /** SHA-256 over the content of the store files these keys name, or {@code null} when they name none. */
    private String storesDigest(String... keys) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        boolean any = false;
        for (String key : keys) {
            Path file = file(key);
            if (file != null) {
                try {
                    digest.update(Files.readAllBytes(file));
                } catch (IOException e) {
                    throw new ConfigurationException(key, file.toString(), "a readable file (" + e.getMessage() + ")");
                }
                any = true;
            }
        }
        return any ? HexFormat.of().formatHex(digest.digest()) : null;
    }

    private Path file(String key) {
        Optional<String> text = value(key);
        if (text.isEmpty()) {
            return null;
        }
        Path path = Path.of(text.get());
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new ConfigurationException(key, text.get(), "a readable file");
        }
        return path;
    }

    private static List<NodeSettings> nodes(String key, String text) {
        List<NodeSettings> nodes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        String allowed = "a comma separated list of host:port, each optionally followed by weight=N (0 to 10000)";
        for (String item : text.split(",")) {
            Matcher m = NODE.matcher(item.trim());
            if (!m.matches()) {
                throw new ConfigurationException(key, text, allowed + "; '" + item.trim() + "' is not one");
            }
            String host = m.group("host");
            if (host.startsWith("[")) {
                if (IpLiterals.parse(host) == null) {
                    throw new ConfigurationException(key, text, allowed + "; '" + item.trim() + "' is not an IPv6 address in brackets");
                }
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(m.group("port"));
            int weight = m.group("weight") == null ? 1 : parseOr(m.group("weight"), -1);
            if (port < 1 || port > 65_535 || weight < 0 || weight > 10_000) {
                throw new ConfigurationException(key, text, allowed + "; '" + item.trim() + "' is out of range");
            }
            NodeSettings node = new NodeSettings(host, port, weight);
            if (!seen.add(sameNode(host) + ":" + port)) {
                throw new ConfigurationException(key, text, "each node once; " + node.address() + " appears twice");
            }
            nodes.add(node);
        }
        if (nodes.stream().allMatch(n -> n.weight() == 0)) {
            throw new ConfigurationException(key, text, "at least one node with a weight above 0");
        }
        return nodes;
    }

    /**
     * The host as it identifies a node: an IP literal by its address, whatever its spelling
     * ({@code ::1} and {@code 0:0:0:0:0:0:0:1}), a name without regard to case.
     */
    private static String sameNode(String host) {
        byte[] address = IpLiterals.parse(host);
        return address != null ? HexFormat.of().formatHex(address) : host.toLowerCase(Locale.ROOT);
    }

    private <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
        Optional<String> text = value(key);
        if (text.isEmpty()) {
            return fallback;
        }
        String wanted = text.get().trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E option : type.getEnumConstants()) {
            if (option.name().equals(wanted)) {
                return option;
            }
        }
        List<String> options = new ArrayList<>();
        for (E option : type.getEnumConstants()) {
            options.add(option.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new ConfigurationException(key, text.get(), "one of " + String.join(", ", options));
    }

    private boolean bool(String key, boolean fallback) {
        Optional<String> text = value(key);
        if (text.isEmpty()) {
            return fallback;
        }
        return switch (text.get().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigurationException(key, text.get(), "true or false");
        };
    }

    private int integer(String key, int fallback, int min, int max, String unit) {
        Optional<String> text = value(key);
        if (text.isEmpty()) {
            return fallback;
        }
        long parsed = parseOr(text.get().trim(), Long.MIN_VALUE);
        if (parsed < min || parsed > max) {
            throw new ConfigurationException(key, text.get(), "a whole number of " + unit + " from " + min + " to " + max);
        }
        return (int) parsed;
    }

    private static int parseOr(String text, int fallback) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseOr(text, (long) fallback)));
    }

    private static long parseOr(String text, long fallback) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private Optional<String> value(String key) {
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static String key(String kind, String name, String suffix) {
        return PREFIX + kind + "." + name + "." + suffix;
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }
}
