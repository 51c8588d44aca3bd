package dev.sluice.config;

import static dev.sluice.config.Key.Scope.FILTER;
import static dev.sluice.config.Key.Scope.ROUTE;
import static dev.sluice.config.Key.Scope.UPSTREAM;

import java.util.ArrayList;
import java.util.List;

/**
 * Every configuration key, each defined once: its default, the values it takes and what it means.
 * {@link SettingsParser} accepts exactly these keys and reads them through this table, and
 * {@code docs/configuration.md} is held to it by a test.
 */
final class Keys {
    private static final List<Key> TABLE = new ArrayList<>();
    private static final int MAX = Integer.MAX_VALUE;
    private static final String MS = "milliseconds";

    // Filter-wide: sluice.<key>
    static final Key TRUSTED_PROXIES = Key.define(TABLE, FILTER, "trusted-proxies")
            .values("IP addresses or CIDR blocks, comma separated")
            .means("The proxies in front of the application whose forwarding headers are believed.");
    static final Key FORWARDED_HEADER = Key.define(TABLE, FILTER, "forwarded-header").flag().byDefault("false")
            .means("Also send an RFC 7239 `Forwarded` header.");
    static final Key VIA = Key.define(TABLE, FILTER, "via").values("a token").byDefault("sluice")
            .means("The name this proxy gives itself in `Via`.");
    static final Key REQUEST_BUFFER = Key.define(TABLE, FILTER, "request-buffer").number(1_024, 16 * 1024 * 1024, "bytes")
            .byDefault("65536")
            .means("Request bodies up to this size are read whole before the upstream is called; longer ones stream.");
    static final Key STATUS_PATH = Key.define(TABLE, FILTER, "status.path").values("a path starting with `/`")
            .means("Where a read-only view of every upstream answers, as a page for a browser and as JSON for "
            + "everyone else; none turns the view off.");
    static final Key STATUS_ALLOW = Key.define(TABLE, FILTER, "status.allow")
            .values("IP addresses or CIDR blocks, comma separated").byDefault("127.0.0.1/32, ::1/128")
            .means("The only clients the status view answers.");
    static final Key RELOAD_INTERVAL = Key.define(TABLE, FILTER, "reload-interval")
            .number(0, MAX, "milliseconds (0 for off)").values("milliseconds, 0 (off) or 100 or more").byDefault("0")
            .means("How often the configuration is read again.");
    static final Key SHARED_IO_THREADS = Key.define(TABLE, FILTER, "io-threads").number(1, 256, "threads")
            .computed("the number of cores, at most 4")
            .means("The filter's I/O threads, shared by all its upstreams; read at start.");

    // Observability: the access log, metrics and request ids
    static final Key ACCESS_LOG = Key.define(TABLE, FILTER, "access-log").flag().byDefault("false")
            .means("Log one line per proxied request on the logger `dev.sluice.access`, at INFO:");
    static final Key METRICS = Key.define(TABLE, FILTER, "metrics").flag().byDefault("true")
            .means("Register Sluice's meters when Micrometer is on the application's class path:");
    static final Key REQUEST_ID_HEADER = Key.define(TABLE, FILTER, "request-id.header").values("a header name, or `none`")
            .byDefault("X-Request-Id")
            .means("The header carrying a request's id.");
    static final Key REQUEST_ID_GENERATE = Key.define(TABLE, FILTER, "request-id.generate").flag().byDefault("true")
            .means("Give a request that comes without a usable id one of 32 hex digits");
    static final Key TRACING = Key.define(TABLE, FILTER, "tracing").flag().byDefault("true")
            .means("Make each attempt upstream a client span of the OpenTelemetry span current as the filter runs:");

    // Routes: sluice.route.<name>.<key>
    static final Key PATH = Key.define(TABLE, ROUTE, "path").values("a path prefix starting with `/`").required()
            .means("The path prefix inside the application (after the context path) that the route serves.");
    static final Key ROUTE_UPSTREAM = Key.define(TABLE, ROUTE, "upstream").values("an upstream's name").required()
            .means("The upstream that serves the route.");
    static final Key STRIP_PREFIX = Key.define(TABLE, ROUTE, "strip-prefix").flag().byDefault("false")
            .means("Remove the context path and the route's prefix from the path sent upstream.");

    // Upstreams, their nodes and balancing: sluice.upstream.<name>.<key>
    static final Key NODES = Key.define(TABLE, UPSTREAM, "nodes")
            .values("`host:port`, each optionally with ` weight=N` (0 to 10000), comma separated").required()
            .means("The upstream's servers.");
    static final Key SCHEME = Key.define(TABLE, UPSTREAM, "scheme").choice(Scheme.class).byDefault("http")
            .means("How Sluice speaks to the nodes.");
    static final Key BALANCE = Key.define(TABLE, UPSTREAM, "balance").choice(BalanceMode.class).byDefault("round-robin")
            .means("How a node is picked for each request.");
    static final Key IPV4_PREFIX = Key.define(TABLE, UPSTREAM, "hash.ipv4-prefix").number(1, 32, "bits").byDefault("32")
            .means("For `ip-hash`, the leading bits of an IPv4 client address that pick the node.");
    static final Key IPV6_PREFIX = Key.define(TABLE, UPSTREAM, "hash.ipv6-prefix").number(1, 128, "bits").byDefault("64")
            .means("For `ip-hash`, the leading bits of an IPv6 client address that pick the node.");
    static final Key HOST = Key.define(TABLE, UPSTREAM, "host").choice(HostMode.class).byDefault("node")
            .means("The Host header sent upstream.");
    static final Key HOST_REWRITE = Key.define(TABLE, UPSTREAM, "host.rewrite").values("`host` or `host:port`")
            .means("The Host sent with `host=rewrite`; required with it, refused without it.");

    // Timeouts and retries
    static final Key TIMEOUT = Key.define(TABLE, UPSTREAM, "timeout").number(1, MAX, MS).byDefault("30000")
            .means("How long the node may take to send the first byte of its response, and between two reads after that.");
    static final Key CONNECT_TIMEOUT = Key.define(TABLE, UPSTREAM, "connect-timeout").number(1, MAX, MS)
            .computed("the smaller of `timeout` and 5000")
            .means("How long opening a connection to a node, or waiting for a free pooled one, may take.");
    static final Key TOTAL_TIMEOUT = Key.define(TABLE, UPSTREAM, "timeout.total").number(0, MAX, "milliseconds (0 for none)")
            .values("milliseconds, 0 (none) or more").byDefault("0")
            .means("Time after the request arrived past which no new attempt starts; 0 for no limit.");
    static final Key RETRIES = Key.define(TABLE, UPSTREAM, "retries").number(0, 100, "retries")
            .computed("the nodes with a weight above 0, minus 1")
            .means("How many more attempts after the first, each on a node not yet tried.");
    static final Key RETRY_NON_IDEMPOTENT = Key.define(TABLE, UPSTREAM, "retry.non-idempotent").flag().byDefault("false")
            .means("Also retry a POST or PATCH that carries an `Idempotency-Key` header.");

    // The connection pool and buffers
    static final Key MAX_CONNECTIONS = Key.define(TABLE, UPSTREAM, "pool.max-connections")
            .number(1, 1_000_000, "connections").byDefault("1024")
            .means("Connections to the whole upstream.");
    static final Key MAX_PER_NODE = Key.define(TABLE, UPSTREAM, "pool.max-per-node").number(1, 1_000_000, "connections")
            .computed("`pool.max-connections`")
            .means("Connections to one node.");
    static final Key MAX_WAITING = Key.define(TABLE, UPSTREAM, "pool.max-waiting").number(0, 1_000_000, "requests")
            .computed("`pool.max-connections`")
            .means("Requests that may wait for a pooled connection; beyond them a request is answered 503 at once.");
    static final Key IDLE_TIMEOUT = Key.define(TABLE, UPSTREAM, "pool.idle-timeout").number(1, MAX, MS).byDefault("60000")
            .means("How long an unused pooled connection is kept.");
    static final Key MAX_IDLE = Key.define(TABLE, UPSTREAM, "pool.max-idle").number(0, 1_000_000, "connections").byDefault("64")
            .means("Idle connections kept beyond a burst; those over it are closed after ten seconds unused.");
    static final Key IO_THREADS = Key.define(TABLE, UPSTREAM, "pool.io-threads").number(1, 256, "threads")
            .computed("`sluice.io-threads`")
            .means("How many of the shared I/O threads the upstream's connections are spread over, each with an even share of the pool.");
    static final Key READ_BUFFER = Key.define(TABLE, UPSTREAM, "pool.read-buffer").number(1_024, 1024 * 1024, "bytes")
            .byDefault("32768")
            .means("Bytes read from an upstream connection at once; each open connection holds three buffers of this size.");
    static final Key RESPONSE_BUFFER = Key.define(TABLE, UPSTREAM, "response-buffer")
            .number(32 * 1024, 16 * 1024 * 1024, "bytes").byDefault("262144")
            .means("Bytes of a response read ahead of a client slower than the node: the most one response holds in the heap.");

    // Rate limits
    static final Key RATE_LIMIT = Key.define(TABLE, UPSTREAM, "rate-limit")
            .number(0, 10_000_000, "requests per second (0 for no limit)")
            .values("requests per second, 0 (none) to 10000000").byDefault("0")
            .means("Calls per second to the whole upstream; 0 for no limit.");
    static final Key RATE_LIMIT_BURST = Key.define(TABLE, UPSTREAM, "rate-limit.burst").number(1, 1_000_000_000, "requests")
            .computed("`rate-limit`")
            .means("Calls allowed at once after a quiet period.");
    static final Key CLIENT_RATE_LIMIT = Key.define(TABLE, UPSTREAM, "rate-limit.per-client")
            .number(0, 10_000_000, "requests per second (0 for no limit)")
            .values("requests per second, 0 (none) to 10000000").byDefault("0")
            .means("Calls per second per client address; 0 for no limit.");
    static final Key CLIENT_RATE_LIMIT_BURST = Key.define(TABLE, UPSTREAM, "rate-limit.per-client.burst")
            .number(1, 1_000_000_000, "requests").computed("`rate-limit.per-client`")
            .means("Calls one client may make at once after a quiet period.");
    static final Key MAX_CLIENTS = Key.define(TABLE, UPSTREAM, "rate-limit.per-client.max-clients")
            .number(1, 100_000_000, "clients").byDefault("100000")
            .means("Clients whose buckets are kept.");

    // Rate limits shared by every instance, counted in Redis
    static final Key LIMIT_STORE = Key.define(TABLE, UPSTREAM, "rate-limit.store").choice(LimitStore.class)
            .byDefault("local")
            .means("Where `rate-limit` and `rate-limit.per-client` are counted: in each instance, or in Redis for all"
                    + " instances together (needs `sluice.redis.uri` and the `sluice-limits-redis` artifact).");
    static final Key LIMIT_FALLBACK = Key.define(TABLE, UPSTREAM, "rate-limit.fallback").choice(LimitFallback.class)
            .byDefault("local")
            .means("With `rate-limit.store=redis`, how calls are limited while Redis is down or slower than"
                    + " `sluice.redis.timeout`: each instance allows its share of the rate, none are limited, or all are refused.");
    static final Key REDIS_URI = Key.define(TABLE, FILTER, "redis.uri")
            .values("`redis://[:password@]host:port[/db]`, `rediss://` (TLS), `redis-sentinel://[:password@]host:port[,host:port]/[db]#master`"
                    + " or `redis-cluster://[:password@]host:port[,host:port]` (`rediss-cluster://` with TLS)")
            .means("The Redis where upstreams with `rate-limit.store=redis` count their limits.");
    static final Key REDIS_TIMEOUT = Key.define(TABLE, FILTER, "redis.timeout").number(1, 60_000, MS).byDefault("5")
            .means("How long a shared decision may take; a slower one is made by `rate-limit.fallback`, and three failed or late"
                    + " in a row (or a late heartbeat) make Redis count as down until it answers again: one late answer now and then"
                    + " on a busy host does not.");
    static final Key REDIS_INSTANCES = Key.define(TABLE, FILTER, "redis.instances").number(1, 100_000, "instances")
            .computed("counted through Redis while it answers (1 until then)")
            .means("The instances sharing the limits: with `rate-limit.fallback=local` each allows the rate divided by them.");

    // Request headers
    static final Key SET_HEADER = Key.define(TABLE, UPSTREAM, "request-headers.set." + Key.HEADER_NAME)
            .values("a header value")
            .means("Sets the request header `<Name>` to this value, replacing the client's.");
    static final Key ADD_HEADER = Key.define(TABLE, UPSTREAM, "request-headers.add." + Key.HEADER_NAME)
            .values("a header value")
            .means("Adds this value to the request header `<Name>`, after the client's values.");
    static final Key REMOVE_HEADERS = Key.define(TABLE, UPSTREAM, "request-headers.remove")
            .values("header names, comma separated")
            .means("Headers removed from the request, before set and add.");

    // Response headers, redirects and cookies
    static final Key SET_RESPONSE_HEADER = Key.define(TABLE, UPSTREAM, "response-headers.set." + Key.HEADER_NAME)
            .values("a header value")
            .means("Sets the response header `<Name>` to this value, replacing the upstream's.");
    static final Key ADD_RESPONSE_HEADER = Key.define(TABLE, UPSTREAM, "response-headers.add." + Key.HEADER_NAME)
            .values("a header value")
            .means("Adds this value to the response header `<Name>`, after the upstream's values.");
    static final Key REMOVE_RESPONSE_HEADERS = Key.define(TABLE, UPSTREAM, "response-headers.remove")
            .values("header names, comma separated")
            .means("Headers removed from the response, before set and add.");
    static final Key REDIRECT_REWRITE = Key.define(TABLE, UPSTREAM, "redirect.rewrite").choice(RedirectMode.class)
            .byDefault("auto")
            .means("Where the upstream's own URLs in `Location`, `Content-Location`, `Refresh` and cookie paths are"
                    + " rewritten to the client's view.");
    static final Key REDIRECT_MAP = Key.define(TABLE, UPSTREAM, "redirect.map")
            .values("`<from> -> <to>` pairs, comma separated")
            .means("URL beginnings in `Location`, `Content-Location` and `Refresh` replaced as written, before `redirect.rewrite`.");
    static final Key COOKIE_DOMAIN = Key.define(TABLE, UPSTREAM, "cookie.domain")
            .values("`<from> -> <to>` pairs, comma separated")
            .means("Cookie domains the upstream sets, replaced by `<to>`, or dropped when `<to>` is empty.");

    // TLS
    static final Key TRUST_STORE = Key.define(TABLE, UPSTREAM, "tls.trust-store")
            .values("a PEM file, or a PKCS12 file `*.p12`/`*.pfx`").computed("the JVM's")
            .means("For HTTPS, the certificates to trust.");
    static final Key TRUST_STORE_PASSWORD = Key.define(TABLE, UPSTREAM, "tls.trust-store.password").values("a password")
            .means("The PKCS12 trust store's password.");
    static final Key KEY_STORE = Key.define(TABLE, UPSTREAM, "tls.key-store").values("a PKCS12 file `*.p12`/`*.pfx`")
            .means("For HTTPS, the client certificate and key Sluice presents (mutual TLS).");
    static final Key KEY_STORE_PASSWORD = Key.define(TABLE, UPSTREAM, "tls.key-store.password").values("a password")
            .means("The key store's password, for the store and the key.");
    static final Key INSECURE = Key.define(TABLE, UPSTREAM, "tls.insecure").flag().byDefault("false")
            .means("For HTTPS, accept any certificate and host name: for development only.");


    // WebSocket tunnels
    static final Key WEBSOCKET = Key.define(TABLE, UPSTREAM, "websocket").flag().byDefault("true")
            .means("Carry WebSocket handshakes on the upstream's routes through to it and splice the connections; `false` answers them 400 without forwarding.");
    static final Key WEBSOCKET_MAX = Key.define(TABLE, UPSTREAM, "websocket.max-connections").number(1, 1_000_000, "tunnels")
            .byDefault("1000")
            .means("WebSocket tunnels open at once to the upstream; a handshake beyond them is answered 503 before it is forwarded.");
    static final Key WEBSOCKET_IDLE = Key.define(TABLE, UPSTREAM, "websocket.idle-timeout").number(1, MAX, MS).byDefault("3600000")
            .means("How long a tunnel may carry no byte either way before both sides are closed.");
    static final Key WEBSOCKET_BUFFER = Key.define(TABLE, UPSTREAM, "websocket.buffer").number(1_024, 16 * 1024 * 1024, "bytes")
            .byDefault("65536")
            .means("Bytes a tunnel holds per direction for a side that reads slower than the other sends.");

    // Health
    static final Key MAX_FAILS = Key.define(TABLE, UPSTREAM, "health.max-fails")
            .number(0, 1_000, "failures (0 turns passive health off)")
            .values("failures, 0 (off) to 1000").byDefault("3")
            .means("Failures in a row that take a node out of rotation; 0 turns passive health off.");
    static final Key EJECTION = Key.define(TABLE, UPSTREAM, "health.ejection").number(1, MAX, MS).byDefault("10000")
            .means("How long the first ejection lasts; the n-th in a row lasts n times as long.");
    static final Key MAX_EJECTION = Key.define(TABLE, UPSTREAM, "health.max-ejection")
            .number(1, MAX, "milliseconds, at least health.ejection").values("milliseconds, `health.ejection` or more")
            .computed("the larger of `health.ejection` and 300000")
            .means("The longest an ejection lasts.");
    static final Key MAX_EJECTED_PERCENT = Key.define(TABLE, UPSTREAM, "health.max-ejected-percent")
            .number(0, 100, "percent").byDefault("50")
            .means("The largest share of the weighted nodes passive health takes out at once.");
    static final Key FAILURE_STATUSES = Key.define(TABLE, UPSTREAM, "health.failure-statuses")
            .values("5xx statuses, comma separated")
            .means("Response statuses that count as failures of the node.");
    static final Key FAIL_OPEN = Key.define(TABLE, UPSTREAM, "health.fail-open").flag().byDefault("false")
            .means("When every node is out, send to them anyway instead of answering 503.");
    static final Key CHECK_PATH = Key.define(TABLE, UPSTREAM, "health.check.path").values("a path starting with `/`")
            .means("Turns on active checks: `GET <path>` to each node.");
    static final Key CHECK_INTERVAL = Key.define(TABLE, UPSTREAM, "health.check.interval").number(10, MAX, MS)
            .byDefault("5000")
            .means("Time between two checks of a node.");
    static final Key CHECK_TIMEOUT = Key.define(TABLE, UPSTREAM, "health.check.timeout").number(1, MAX, MS)
            .computed("the smaller of 2000 and `health.check.interval`")
            .means("How long a check may take.");
    static final Key CHECK_STATUSES = Key.define(TABLE, UPSTREAM, "health.check.statuses")
            .values("a status or a range such as `200-299`").byDefault("200-399")
            .means("The statuses that count as healthy.");
    static final Key HEALTHY_THRESHOLD = Key.define(TABLE, UPSTREAM, "health.check.healthy-threshold")
            .number(1, 1_000, "checks").byDefault("2")
            .means("Passing checks in a row that bring a node back.");
    static final Key UNHEALTHY_THRESHOLD = Key.define(TABLE, UPSTREAM, "health.check.unhealthy-threshold")
            .number(1, 1_000, "checks").byDefault("3")
            .means("Failing checks in a row that take a node out.");

    private static final List<Key> ALL = List.copyOf(TABLE);

    private Keys() {
    }

    /** Every key, in the order of the reference. */
    public static List<Key> all() {
        return ALL;
    }

    /** The keys of one scope. */
    static List<Key> of(Key.Scope scope) {
        return ALL.stream().filter(k -> k.scope() == scope).toList();
    }
}
