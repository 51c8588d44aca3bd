package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances of an application, each an embedded Tomcat with the filter, share one real Redis:
 * the limits hold for both together, and while Redis is dead or stalled each falls back as
 * configured, answering every request, and shares again once Redis is back.
 */
class SharedLimitTest {
    private static final int RATE = 100;
    private static final int BURST = 10;
    private static final Pattern SWITCHES = Pattern.compile("\"fallbackSwitches\":(\\d+)");

    @RegisterExtension
    final Stage stage = new Stage();
    private RecordedLog switches;
    private Instance a;
    private Instance b;

    @BeforeEach
    void start() throws Exception {
        switches = stage.add(RecordedLog.of("dev.sluice.limits.SharedCounting"));
    }

    /** Both instances, configured with these keys on top of one upstream limited to 100 calls a second in Redis. */
    private void startInstances(String redisUri, String... more) throws Exception {
        // Generous for a busy test machine: a decision slower than this would count Redis as down.
        TestConfigSource.set("sluice.upstream.main.rate-limit.store", "redis", "sluice.redis.uri", redisUri, "sluice.redis.timeout", "100");
        TestConfigSource.set(more);
        a = stage.add(new Instance());
        b = stage.add(new Instance());
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
        Instance.awaitState(stage.client(), state, a, b);
    }

    private OfferedLoad offer(int perSecond, Duration length) throws InterruptedException {
        return new OfferedLoad(stage.client()).run(List.of(a.uri("/api/x"), b.uri("/api/x")), perSecond, length);
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

    @Test
    void twoInstancesHoldOneUpstreamLimitTogether() throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
        // A burst of two seconds: calls that reach the instances in clumps on a busy machine lose no tokens.
        startInstances(redis.uri(), "sluice.upstream.main.rate-limit", Integer.toString(RATE),
                "sluice.upstream.main.rate-limit.burst", Integer.toString(2 * RATE), PATIENT[0], PATIENT[1]);
        awaitState("shared");
        OfferedLoad load = offer(2 * RATE, Duration.ofSeconds(10));
        assertEquals(0, load.unexpected(), "every call answered 200 or 429: " + load);
        assertWithin(RATE * stage.origin().seconds() + 2 * RATE, 5, stage.origin().calls(), "calls the upstream received at twice its limit over two instances");
        assertEquals(stage.origin().calls(), load.count(200), "every call let through reached the upstream");
        assertTrue(a.status(stage.client()).contains("\"fallbackDecisions\":0") && b.status(stage.client()).contains("\"fallbackDecisions\":0"),
                "Redis decided every call: " + a.status(stage.client()));
    }

    @Test
    void aRefusalCarriesTheSharedBucketsHeaders() throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
        startInstances(redis.uri(), "sluice.upstream.main.rate-limit", "1", "sluice.upstream.main.rate-limit.burst", "1");
        awaitState("shared");
        assertEquals(200, a.get(stage.client(), "/api/x").statusCode());
        HttpResponse<String> refused = b.get(stage.client(), "/api/x");
        assertEquals(429, refused.statusCode(), "the other instance refuses: the token was taken through the first");
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
        assertEquals("1", refused.headers().firstValue("RateLimit-Limit").orElse(null));
        assertEquals("0", refused.headers().firstValue("RateLimit-Remaining").orElse(null));
        assertEquals("1", refused.headers().firstValue("RateLimit-Reset").orElse(null));
        assertEquals("429 Too Many Requests\n", refused.body());
    }

    @Test
    void oneClientSpreadOverTwoInstancesHoldsItsLimit() throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
        startInstances(redis.uri(), "sluice.upstream.main.rate-limit.per-client", "50", "sluice.upstream.main.rate-limit.per-client.burst", "25",
                PATIENT[0], PATIENT[1]);
        awaitState("shared");
        OfferedLoad load = offer(100, Duration.ofSeconds(8));
        assertEquals(0, load.unexpected(), "every call answered 200 or 429: " + load);
        assertWithin(50 * stage.origin().seconds() + 25, 5, stage.origin().calls(), "calls one client made through two instances at twice its limit");
    }

    @Test
    void redisKilledMidRunFallsBackToEachInstancesShareThenSharesAgain() throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
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
        int most = (int) (RATE * stage.origin().seconds() * 1.1) + 3 * BURST + RATE / 2;
        assertTrue(stage.origin().calls() <= most, "the upstream stays protected: " + stage.origin().calls() + " calls, at most " + most);
        assertTrue(stage.origin().calls() >= RATE * 9 / 2, "and served meanwhile: " + stage.origin().calls());
        awaitState("shared");
        for (Instance instance : List.of(a, b)) {
            instance.get(stage.client(), "/api/x");
        }
        assertTrue(redis.command("INFO", "commandstats").contains("cmdstat_eval"), "the restarted Redis counts again");
        assertSwitchesLoggedOnceEach();
    }

    @Test
    void redisStalledFailsClosedWithinTheBoundThenSharesAgain() throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
        startInstances(redis.uri(), upstreamLimit("sluice.upstream.main.rate-limit.fallback", "fail-closed"));
        awaitState("shared");
        Thread operator = operator(2_000, redis::pause, redis::resume);
        OfferedLoad load = offer(2 * RATE, Duration.ofSeconds(6));
        operator.join();
        assertEquals(0, load.unexpected(), "a stalled store fails no call: " + load);
        assertTrue(stage.origin().calls() <= RATE * stage.origin().seconds() * 1.05 + BURST, "never above the shared limit: " + stage.origin().calls());
        awaitState("shared");
        assertSwitchesLoggedOnceEach();
    }

    /** Each instance went to its fallback at least once, and said so once per switch, not per request. */
    private void assertSwitchesLoggedOnceEach() throws Exception {
        long switched = switchesToFallback();
        assertTrue(switched >= 2, "both instances fell back: " + a.status(stage.client()) + " " + b.status(stage.client()));
        assertEquals(switched, switches.count(Level.WARNING, "stopped answering"), "one warning per switch");
        assertEquals(switched, switches.count(Level.INFO, "answers again"), "one line per return");
    }

    @Test
    void redisUnreachableAtStartStartsInTheFallbackAndConnectsLater() throws Exception {
        RedisServer redis = stage.add(RedisServer.notStarted());
        startInstances(redis.uri(), upstreamLimit("sluice.redis.instances", "2"));
        assertEquals(200, a.get(stage.client(), "/api/x").statusCode(),
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
            Matcher count = SWITCHES.matcher(instance.status(stage.client()));
            assertTrue(count.find(), instance.status(stage.client()));
            total += Long.parseLong(count.group(1));
        }
        return total;
    }
}
