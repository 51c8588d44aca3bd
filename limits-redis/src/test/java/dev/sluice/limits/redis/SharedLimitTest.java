package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances of an application, each an embedded Tomcat with the filter, share one real Redis:
 * the limits hold for both together, and while Redis is dead or stalled each falls back as
 * configured, answering every request, and shares again once Redis is back.
 */
class SharedLimitTest {
    private static final int RATE = 100;
    private static final int BURST = 10;
    private static final Pattern SWITCHES = Pattern.compile("\"fallbackSwitches\":(\\d+)");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private RecordedLog switches;
    private RedisServer redis;
    private Origin origin;
    private Instance a;
    private Instance b;

    @BeforeEach
    void start() throws Exception {
        switches = RecordedLog.of("dev.sluice.limits.SharedCounting");
        origin = new Origin();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : new AutoCloseable[] {a, b, origin, redis}) {
            if (each != null) {
                each.close();
            }
        }
        switches.close();
        TestConfigSource.VALUES.clear();
    }

    /** Both instances, configured with these keys on top of one upstream limited to 100 calls a second in Redis. */
    private void startInstances(String redisUri, String... more) throws Exception {
        Map<String, String> config = TestConfigSource.VALUES;
        config.put("sluice.route.api.path", "/api");
        config.put("sluice.route.api.upstream", "main");
        config.put("sluice.upstream.main.nodes", origin.address());
        config.put("sluice.upstream.main.rate-limit.store", "redis");
        config.put("sluice.redis.uri", redisUri);
        // Generous for a busy test machine: a decision slower than this would count Redis as down.
        config.put("sluice.redis.timeout", "100");
        config.put("sluice.status.path", "/_sluice/status");
        for (int i = 0; i < more.length; i += 2) {
            config.put(more[i], more[i + 1]);
        }
        a = new Instance();
        b = new Instance();
        assertTrue(a.started() && b.started(), "both instances started");
    }

    private String[] upstreamLimit(String... more) {
        String[] keys = {"sluice.upstream.main.rate-limit", Integer.toString(RATE), "sluice.upstream.main.rate-limit.burst",
                Integer.toString(BURST)};
        String[] all = new String[keys.length + more.length];
        System.arraycopy(keys, 0, all, 0, keys.length);
        System.arraycopy(more, 0, all, keys.length, more.length);
        return all;
    }

    private void awaitState(String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String want = "\"state\":\"" + state + "\"";
        while (!(a.status(client).contains(want) && b.status(client).contains(want))) {
            assertTrue(System.nanoTime() < deadline, "both instances " + state + ": " + a.status(client) + " " + b.status(client));
            Thread.sleep(50);
        }
    }

    private OfferedLoad offer(int perSecond, Duration length) throws InterruptedException {
        return new OfferedLoad(client).run(List.of(a.uri("/api/x"), b.uri("/api/x")), perSecond, length);
    }

    private static void assertWithin(double expected, double percent, int actual, String what) {
        double error = Math.abs(actual - expected) / expected * 100;
        assertTrue(error <= percent, what + ": " + actual + " where " + expected + " was expected (" + String.format("%.1f", error) + " % off)");
    }

    /**
     * A bound no decision reaches even on a loaded machine: these tests measure sharing, and a
     * decision made by the fallback would count in both places.
     */
    private static final String[] PATIENT = {"sluice.redis.timeout", "2000"};

    /** A Redis, and both instances sharing it with these limits and a {@link #PATIENT} bound. */
    private void sharingPatiently(String... limits) throws Exception {
        redis = RedisServer.launch();
        String[] keys = Arrays.copyOf(limits, limits.length + 2);
        keys[limits.length] = PATIENT[0];
        keys[limits.length + 1] = PATIENT[1];
        startInstances(redis.uri(), keys);
        awaitState("shared");
    }

    @Test
    void twoInstancesHoldOneUpstreamLimitTogether() throws Exception {
        // A burst of two seconds: calls that reach the instances in clumps on a busy machine lose no tokens.
        // Each instance leases up to two tokens per round trip here (a twentieth of a second of its share).
        sharingPatiently("sluice.upstream.main.rate-limit", Integer.toString(RATE), "sluice.upstream.main.rate-limit.burst",
                Integer.toString(2 * RATE));
        OfferedLoad load = offer(2 * RATE, Duration.ofSeconds(10));
        assertEquals(0, load.unexpected(), "every call answered 200 or 429: " + load);
        assertWithin(RATE * origin.seconds() + 2 * RATE, 5, origin.calls(), "calls the upstream received at twice its limit over two instances");
        assertEquals(origin.calls(), load.count(200), "every call let through reached the upstream");
        assertTrue(a.status(client).contains("\"fallbackDecisions\":0") && b.status(client).contains("\"fallbackDecisions\":0"),
                "Redis decided every call: " + a.status(client));
    }

    @Test
    void belowTheLimitAtAHighRateMostCallsAreDecidedWithoutARoundTrip() throws Exception {
        // A burst of a second: calls that reach the instances in clumps on a busy machine are not refused.
        sharingPatiently("sluice.upstream.main.rate-limit", "400", "sluice.upstream.main.rate-limit.burst", "400");
        long before = redis.scriptCalls();
        OfferedLoad load = offer(200, Duration.ofSeconds(5));
        // Heartbeats included: two a second.
        long roundTrips = redis.scriptCalls() - before;
        assertEquals(0, load.count(429) + load.unexpected(), "every call let through: " + load);
        assertTrue(roundTrips < load.count(200) / 2, "each instance took its tokens in batches: " + roundTrips
                + " decisions asked of Redis for " + load.count(200) + " calls");
    }

    @Test
    void aRefusalCarriesTheSharedBucketsHeaders() throws Exception {
        redis = RedisServer.launch();
        startInstances(redis.uri(), "sluice.upstream.main.rate-limit", "1", "sluice.upstream.main.rate-limit.burst", "1");
        awaitState("shared");
        assertEquals(200, client.send(HttpRequest.newBuilder(a.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(b.uri("/api/x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode(), "the other instance refuses: the token was taken through the first");
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
        assertEquals("1", refused.headers().firstValue("RateLimit-Limit").orElse(null));
        assertEquals("0", refused.headers().firstValue("RateLimit-Remaining").orElse(null));
        assertEquals("1", refused.headers().firstValue("RateLimit-Reset").orElse(null));
        assertEquals("429 Too Many Requests\n", refused.body());
    }

    @Test
    void oneClientSpreadOverTwoInstancesHoldsItsLimit() throws Exception {
        sharingPatiently("sluice.upstream.main.rate-limit.per-client", "50", "sluice.upstream.main.rate-limit.per-client.burst", "25");
        OfferedLoad load = offer(100, Duration.ofSeconds(8));
        assertEquals(0, load.unexpected(), "every call answered 200 or 429: " + load);
        assertWithin(50 * origin.seconds() + 25, 5, origin.calls(), "calls one client made through two instances at twice its limit");
    }

    @Test
    void redisKilledMidRunFallsBackToEachInstancesShareThenSharesAgain() throws Exception {
        redis = RedisServer.launch();
        startInstances(redis.uri(), upstreamLimit());
        awaitState("shared");
        Thread operator = operator(3_000, redis::kill, redis::start);
        OfferedLoad load = offer(2 * RATE, Duration.ofSeconds(9));
        operator.join();
        assertEquals(0, load.unexpected(), "no call failed for the store: " + load);
        // Shared, then each instance its half of the rate and burst, then shared again in an
        // emptied Redis: each phase may start with a full burst. Coming back, each instance finds
        // Redis at its own heartbeat: for up to a second one counts in Redis while the other
        // still allows its half. Three switches in nine seconds: the window the origin measures is
        // good to a tenth, not the twentieth of a steady run.
        int most = (int) (RATE * origin.seconds() * 1.1) + 3 * BURST + RATE / 2;
        assertTrue(origin.calls() <= most, "the upstream stays protected: " + origin.calls() + " calls, at most " + most);
        assertTrue(origin.calls() >= RATE * 9 / 2, "and served meanwhile: " + origin.calls());
        awaitState("shared");
        for (Instance instance : List.of(a, b)) {
            client.send(HttpRequest.newBuilder(instance.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding());
        }
        assertTrue(redis.command("INFO", "commandstats").contains("cmdstat_eval"), "the restarted Redis counts again");
        assertSwitchesLoggedOnceEach();
    }

    @Test
    void redisStalledFailsClosedWithinTheBoundThenSharesAgain() throws Exception {
        redis = RedisServer.launch();
        startInstances(redis.uri(), upstreamLimit("sluice.upstream.main.rate-limit.fallback", "fail-closed"));
        awaitState("shared");
        Thread operator = operator(2_000, redis::pause, redis::resume);
        OfferedLoad load = offer(2 * RATE, Duration.ofSeconds(6));
        operator.join();
        assertEquals(0, load.unexpected(), "a stalled store fails no call: " + load);
        assertTrue(origin.calls() <= RATE * origin.seconds() * 1.05 + BURST, "never above the shared limit: " + origin.calls());
        awaitState("shared");
        assertSwitchesLoggedOnceEach();
    }

    /** Each instance went to its fallback at least once, and said so once per switch, not per request. */
    private void assertSwitchesLoggedOnceEach() throws Exception {
        long switched = switchesToFallback();
        assertTrue(switched >= 2, "both instances fell back: " + a.status(client) + " " + b.status(client));
        assertEquals(switched, switches.count(Level.WARNING, "stopped answering"), "one warning per switch");
        assertEquals(switched, switches.count(Level.INFO, "answers again"), "one line per return");
    }

    @Test
    void redisUnreachableAtStartStartsInTheFallbackAndConnectsLater() throws Exception {
        redis = RedisServer.notStarted();
        startInstances(redis.uri(), upstreamLimit("sluice.redis.instances", "2"));
        assertEquals(200, client.send(HttpRequest.newBuilder(a.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                "the application serves without Redis");
        awaitState("fallback");
        redis.start();
        awaitState("shared");
        assertEquals(2, switches.count(Level.WARNING, "does not answer at start"), "each instance says so once: " + switches.atLeast(Level.INFO));
    }

    /** Something an operator (or a crash) does to Redis. */
    private interface Action {
        void run() throws Exception;
    }

    /** Breaks Redis after a while, and mends it after as long again, while the test offers its load. */
    private static Thread operator(long millis, Action breaks, Action mends) {
        Thread operator = new Thread(() -> {
            try {
                Thread.sleep(millis);
                breaks.run();
                Thread.sleep(millis);
                mends.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        operator.start();
        return operator;
    }

    /** How often both instances went to their fallback, from their status views. */
    private long switchesToFallback() throws Exception {
        long total = 0;
        for (Instance instance : List.of(a, b)) {
            Matcher count = SWITCHES.matcher(instance.status(client));
            assertTrue(count.find(), instance.status(client));
            total += Long.parseLong(count.group(1));
        }
        return total;
    }
}
