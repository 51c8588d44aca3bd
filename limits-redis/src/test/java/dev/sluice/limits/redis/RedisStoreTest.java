package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedLimitStore;
import dev.sluice.limits.SharedLimitStore.Bucket;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store's decisions, made by its Lua script in a real Redis. */
class RedisStoreTest {
    @RegisterExtension
    static final Started STARTED = new Started();
    private static RedisServer redis;
    private static ConnectedStore store;

    @BeforeAll
    static void start() throws Exception {
        redis = STARTED.add(RedisServer.launch());
        store = STARTED.add(ConnectedStore.to(redis.uri()));
    }

    @BeforeEach
    void emptyRedis() throws Exception {
        redis.command("FLUSHALL");
    }

    @Test
    void aBucketAllowsItsBurstThenRefusesWithWhenToComeBack() throws Exception {
        Bucket bucket = new Bucket("{t}:burst", 10, 3);
        for (int i = 0; i < 3; i++) {
            assertNull(store.take(bucket), "token " + (i + 1) + " of the burst");
        }
        RateLimiter.Decision refusal = store.take(bucket);
        assertNotNull(refusal, "the fourth call at once is refused");
        assertFalse(refusal.allowed());
        assertEquals(10, refusal.limit());
        assertEquals(0, refusal.remaining());
        assertTrue(refusal.retryAfterNanos() > 0 && refusal.retryAfterNanos() <= 100_000_000L,
                "the next token comes within one interval (100 ms): " + refusal.retryAfterNanos());
        assertTrue(refusal.resetNanos() > 200_000_000L && refusal.resetNanos() <= 300_000_000L,
                "full again after three intervals: " + refusal.resetNanos());
    }

    @Test
    void aBucketRefillsAtItsRate() throws Exception {
        Bucket bucket = new Bucket("{t}:refill", 20, 1);
        assertNull(store.take(bucket));
        assertNotNull(store.take(bucket));
        Thread.sleep(60);
        assertNull(store.take(bucket), "one token after one interval (50 ms)");
    }

    @Test
    void bucketsAreTakenAllOrNone() throws Exception {
        Bucket client = new Bucket("{t}:client", 2, 5);
        Bucket upstream = new Bucket("{t}:all", 1, 1);
        assertNull(store.take(client, upstream));
        RateLimiter.Decision refusal = store.take(client, upstream);
        assertNotNull(refusal);
        assertEquals(1, refusal.limit(), "the upstream's bucket refused");
        // The client's bucket lost nothing to the refused call: its burst of 5 minus the one call made.
        for (int i = 0; i < 4; i++) {
            assertNull(store.take(client), "the client keeps token " + (i + 2));
        }
        assertEquals(2, store.take(client).limit(), "then the client's own bucket refuses");
    }

    @Test
    void bucketsExpireOnceFullAgain() throws Exception {
        store.take(new Bucket("{t}:expiry", 10, 5));
        long ttl = Long.parseLong(redis.command("PTTL", "{t}:expiry").substring(1));
        assertTrue(ttl > 0 && ttl <= 102, "kept one interval (100 ms), not forever: " + ttl);
    }

    @Test
    void aRedisThatForgotTheScriptIsGivenItAgain() throws Exception {
        Bucket bucket = new Bucket("{t}:noscript", 10, 2);
        assertNull(store.take(bucket));
        redis.command("SCRIPT", "FLUSH");
        assertNull(store.take(bucket), "NOSCRIPT is answered by sending the script");
        assertNotNull(store.take(bucket));
    }

    @Test
    void heartbeatsCountTheInstancesAlive() throws Exception {
        assertEquals(1, store.heartbeat("a"));
        assertEquals(2, store.heartbeat("b"));
        assertEquals(2, store.heartbeat("a"), "the same instance counts once");
    }

    @Test
    void aSlowRedisFailsTheDecisionWithinTheBound() throws Exception {
        try (SharedLimitStore quick = new RedisStoreProvider().open(redis.uri(), Duration.ofMillis(20))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (quick.heartbeat("q").toCompletableFuture().handle((n, e) -> e).get() != null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread sleeper = redis.asleep(1.0);
            long start = System.nanoTime();
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> quick.acquire(List.of(new Bucket("{t}:slow", 10, 1))).toCompletableFuture().get(5, TimeUnit.SECONDS));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 500, "failed after " + tookMillis + " ms, not when Redis woke: " + failed.getCause());
            sleeper.join();
        }
    }

    @Test
    void aUriLettuceCannotUseIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RedisStoreProvider().open("redis-cluster://:pw@host:notaport", Duration.ofMillis(5)));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }
}
