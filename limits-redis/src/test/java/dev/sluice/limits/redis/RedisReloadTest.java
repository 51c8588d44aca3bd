package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;

import javax.management.ObjectName;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reload (the JMX operation) that moves the shared limits to another Redis, changes their bound,
 * or moves an upstream between local and Redis counting: the new store decides from the swap on,
 * the old client closes with all its threads, and no request fails or falls back across it.
 */
class RedisReloadTest {
    private static final String UNCHANGED_UPSTREAM = "reloaded: 1 upstreams (none changed), 1 routes";

    @RegisterExtension
    final Stage stage = new Stage();
    private RecordedLog storeLog;
    private Instance app;

    @BeforeEach
    void start() throws Exception {
        storeLog = stage.add(RecordedLog.of("dev.sluice.limits.SharedCounting"));
        TestConfigSource.set("sluice.upstream.main.rate-limit", "1000", "sluice.redis.timeout", "5000");
    }

    private RedisServer redis() throws Exception {
        return stage.add(RedisServer.launch());
    }

    @Test
    void anotherRedisAndAnotherBoundTakeOverWithoutAFailedOrFallenBackRequest() throws Exception {
        RedisServer first = redis();
        RedisServer second = redis();
        TestConfigSource.set("sluice.upstream.main.rate-limit.store", "redis", "sluice.redis.uri", first.uri());
        app = stage.add(new Instance());
        awaitState("shared");
        Set<Thread> firstClient = storeThreads();
        assertFalse(firstClient.isEmpty(), "the first Redis's client runs threads");

        List<String> answers = new CopyOnWriteArrayList<>();
        Thread operator = new Thread(() -> {
            try {
                Thread.sleep(1_500);
                TestConfigSource.set("sluice.redis.uri", second.uri());
                answers.add(reload());
                Thread.sleep(2_000);
                TestConfigSource.set("sluice.redis.timeout", "4000");
                answers.add(reload());
            } catch (Exception e) {
                answers.add(e.toString());
            }
        });
        operator.start();
        OfferedLoad load = new OfferedLoad(stage.client()).run(List.of(app.uri("/api/x")), 50, Duration.ofSeconds(6));
        operator.join();

        // The upstream's own settings are the same: it is rebuilt on the new store all the same.
        assertEquals(List.of(UNCHANGED_UPSTREAM, UNCHANGED_UPSTREAM), answers);
        assertEquals(0, load.unexpected(), "no request failed across the reloads: " + load);
        assertEquals(load.count(200), stage.origin().calls(), "every request went upstream");
        assertEquals(List.of(), storeLog.atLeast(Level.WARNING), "no store went down: no decision fell back");
        assertTrue(app.status(stage.client()).contains("\"state\":\"shared\",\"fallbackSwitches\":0,\"fallbackDecisions\":0"), app.status(stage.client()));
        assertEquals(Set.of(), alive(firstClient), "the first Redis's client closed with its threads");

        long firstCalls = first.scriptCalls();
        long secondCalls = second.scriptCalls();
        for (int i = 0; i < 10; i++) {
            app.get(stage.client(), "/api/x");
        }
        assertEquals(firstCalls, first.scriptCalls(), "the first Redis is asked nothing more");
        assertTrue(second.scriptCalls() >= secondCalls + 10, "the second decides every call");
    }

    @Test
    void anUpstreamMovedToRedisAndBackCountsThereAndThenLeavesNoClient() throws Exception {
        RedisServer redis = redis();
        TestConfigSource.set("sluice.redis.uri", redis.uri());
        app = stage.add(new Instance());
        assertEquals(Set.of(), storeThreads(), "an application counting locally opens no Redis client");

        TestConfigSource.set("sluice.upstream.main.rate-limit.store", "redis");
        assertEquals("reloaded: 1 upstreams (1 changed), 1 routes", reload());
        assertTrue(app.status(stage.client()).contains("\"state\":\"shared\""), "shared at once after the reload: " + app.status(stage.client()));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, app.get(stage.client(), "/api/x").statusCode());
        }
        assertTrue(redis.scriptCalls() >= 5, "Redis decided the calls");
        Set<Thread> redisClient = storeThreads();

        TestConfigSource.VALUES.remove("sluice.upstream.main.rate-limit.store");
        assertEquals("reloaded: 1 upstreams (1 changed), 1 routes", reload());
        assertEquals(Set.of(), alive(redisClient), "the client closed with its threads");
        long calls = redis.scriptCalls();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, app.get(stage.client(), "/api/x").statusCode());
        }
        assertEquals(calls, redis.scriptCalls(), "counted locally again");
        assertEquals(List.of(), storeLog.atLeast(Level.WARNING));
    }

    private static String reload() throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("dev.sluice:type=Filter,context=\"/\""), "reload",
                null, null);
    }

    private void awaitState(String state) throws Exception {
        Instance.awaitState(stage.client(), state, app);
    }

    /** The threads of the Redis clients open in this JVM: Lettuce's and the store's timer. */
    private static Set<Thread> storeThreads() {
        return Threads.named(name -> name.startsWith("lettuce-") || name.startsWith("sluice-redis"));
    }

    /** Those of the threads still alive after the old store's grace (its bound and a second) and a few seconds more. */
    private static Set<Thread> alive(Set<Thread> threads) throws InterruptedException {
        return Threads.aliveAfter(threads, Duration.ofSeconds(15));
    }
}
