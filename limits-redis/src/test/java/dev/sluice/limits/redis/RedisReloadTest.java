package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A reload (the JMX operation) that moves the shared limits to another Redis, changes their bound,
 * or moves an upstream between local and Redis counting: the new store decides from the swap on,
 * the old client closes with all its threads, and no request fails or falls back across it.
 */
class RedisReloadTest {
    private static final String UNCHANGED_UPSTREAM = "reloaded: 1 upstreams (none changed), 1 routes";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private RecordedLog storeLog;
    private final List<AutoCloseable> started = new ArrayList<>();
    private Origin origin;
    private Instance app;

    @BeforeEach
    void start() throws Exception {
        storeLog = RecordedLog.of("dev.sluice.limits.SharedCounting");
        origin = new Origin();
        started.add(origin);
        TestConfigSource.VALUES.putAll(Map.of("sluice.route.api.path", "/api", "sluice.route.api.upstream", "main",
                "sluice.upstream.main.nodes", origin.address(), "sluice.upstream.main.rate-limit", "1000",
                "sluice.status.path", "/_sluice/status", "sluice.redis.timeout", "5000"));
    }

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        for (AutoCloseable each : started) {
            each.close();
        }
        storeLog.close();
        TestConfigSource.VALUES.clear();
    }

    private RedisServer redis() throws Exception {
        RedisServer redis = RedisServer.launch();
        started.add(redis);
        return redis;
    }

    @Test
    void anotherRedisAndAnotherBoundTakeOverWithoutAFailedOrFallenBackRequest() throws Exception {
        RedisServer first = redis();
        RedisServer second = redis();
        // A per-client limit too, so that every call asks Redis (an upstream-wide limit alone is
        // leased in batches): which Redis decides shows call by call.
        TestConfigSource.VALUES.putAll(Map.of("sluice.upstream.main.rate-limit.store", "redis", "sluice.redis.uri", first.uri(),
                "sluice.upstream.main.rate-limit.per-client", "1000"));
        app = new Instance();
        awaitState("shared");
        Set<Thread> firstClient = storeThreads();
        assertFalse(firstClient.isEmpty(), "the first Redis's client runs threads");

        List<String> answers = new CopyOnWriteArrayList<>();
        Thread operator = new Thread(() -> {
            try {
                Thread.sleep(1_500);
                TestConfigSource.VALUES.put("sluice.redis.uri", second.uri());
                answers.add(reload());
                Thread.sleep(2_000);
                TestConfigSource.VALUES.put("sluice.redis.timeout", "4000");
                answers.add(reload());
            } catch (Exception e) {
                answers.add(e.toString());
            }
        });
        operator.start();
        OfferedLoad load = new OfferedLoad(client).run(List.of(app.uri("/api/x")), 50, Duration.ofSeconds(6));
        operator.join();

        // The upstream's own settings are the same: it is rebuilt on the new store all the same.
        assertEquals(List.of(UNCHANGED_UPSTREAM, UNCHANGED_UPSTREAM), answers);
        assertEquals(0, load.unexpected(), "no request failed across the reloads: " + load);
        assertEquals(load.count(200), origin.calls(), "every request went upstream");
        assertEquals(List.of(), storeLog.atLeast(Level.WARNING), "no store went down: no decision fell back");
        assertTrue(app.status(client).contains("\"state\":\"shared\",\"fallbackSwitches\":0,\"fallbackDecisions\":0"), app.status(client));
        assertEquals(Set.of(), alive(firstClient), "the first Redis's client closed with its threads");

        long firstCalls = first.scriptCalls();
        long secondCalls = second.scriptCalls();
        for (int i = 0; i < 10; i++) {
            client.send(HttpRequest.newBuilder(app.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding());
        }
        assertEquals(firstCalls, first.scriptCalls(), "the first Redis is asked nothing more");
        assertTrue(second.scriptCalls() >= secondCalls + 10, "the second decides every call");
    }

    @Test
    void anUpstreamMovedToRedisAndBackCountsThereAndThenLeavesNoClient() throws Exception {
        RedisServer redis = redis();
        TestConfigSource.VALUES.put("sluice.redis.uri", redis.uri());
        app = new Instance();
        assertEquals(Set.of(), storeThreads(), "an application counting locally opens no Redis client");

        TestConfigSource.VALUES.put("sluice.upstream.main.rate-limit.store", "redis");
        assertEquals("reloaded: 1 upstreams (1 changed), 1 routes", reload());
        assertTrue(app.status(client).contains("\"state\":\"shared\""), "shared at once after the reload: " + app.status(client));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, client.send(HttpRequest.newBuilder(app.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        assertTrue(redis.scriptCalls() >= 5, "Redis decided the calls");
        Set<Thread> redisClient = storeThreads();

        TestConfigSource.VALUES.remove("sluice.upstream.main.rate-limit.store");
        assertEquals("reloaded: 1 upstreams (1 changed), 1 routes", reload());
        assertEquals(Set.of(), alive(redisClient), "the client closed with its threads");
        long calls = redis.scriptCalls();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, client.send(HttpRequest.newBuilder(app.uri("/api/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        assertEquals(calls, redis.scriptCalls(), "counted locally again");
        assertEquals(List.of(), storeLog.atLeast(Level.WARNING));
    }

    private static String reload() throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("dev.sluice:type=Filter,context=\"/\""), "reload",
                null, null);
    }

    private void awaitState(String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!app.status(client).contains("\"state\":\"" + state + "\"")) {
            assertTrue(System.nanoTime() < deadline, state + ": " + app.status(client));
            Thread.sleep(50);
        }
    }

    /** The threads of the Redis clients open in this JVM: Lettuce's and the store's timer. */
    private static Set<Thread> storeThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> !(t.getName().startsWith("lettuce-") || t.getName().startsWith("sluice-redis")));
        return threads;
    }

    /** Those of the threads still alive after the old store's grace (its bound and a second) and a few seconds more. */
    private static Set<Thread> alive(Set<Thread> threads) throws InterruptedException {
        Set<Thread> left = new HashSet<>(threads);
        for (int i = 0; i < 150 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left.removeIf(t -> !t.isAlive());
        }
        return left;
    }
}
