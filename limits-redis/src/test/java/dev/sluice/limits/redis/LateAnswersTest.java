package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.CallLimitSettings;
import dev.sluice.config.LimitFallback;
import dev.sluice.config.LimitStore;
import dev.sluice.config.RateLimitSettings;
import dev.sluice.config.RedisSettings;
import dev.sluice.limits.SharedCallLimits;
import dev.sluice.limits.SharedCounting;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How late answers from a real Redis move the store to its fallback: one alone does not, a few in
 * a row do. The heartbeat is stopped once the store is shared, so that only decisions are late
 * (a heartbeat that met Redis asleep would take the store down by itself, as it should).
 */
class LateAnswersTest {
    private static final Duration BOUND = Duration.ofMillis(20);

    @RegisterExtension
    final Started started = new Started();
    private RedisServer redis;
    private ScheduledExecutorService timer;
    private SharedCounting counting;
    private SharedCallLimits limits;

    @BeforeEach
    void shared() throws Exception {
        redis = started.add(RedisServer.launch());
        timer = Executors.newSingleThreadScheduledExecutor();
        counting = started.add(SharedCounting.open(new RedisSettings(redis.uri(), BOUND, 1, "sluice.redis.uri", "test"), "late-answers",
                getClass().getClassLoader(), timer));
        assertTrue(counting.awaitAnswer(Duration.ofSeconds(10)), "Redis answers");
        timer.shutdown();
        assertTrue(timer.awaitTermination(5, TimeUnit.SECONDS));
        limits = new SharedCallLimits("late", new CallLimitSettings(new RateLimitSettings(1_000, 100, 0), null,
                LimitStore.REDIS, LimitFallback.LOCAL), counting, System::nanoTime);
    }

    @Test
    void oneLateAnswerIsDecidedByTheFallbackAndLeavesTheStoreShared() throws Exception {
        Thread sleeper = redis.asleep(0.2);
        decide();
        sleeper.join();
        assertEquals(1, counting.fallbackDecisions(), "the late decision was the fallback's");
        decide();
        assertEquals("shared", counting.state());
        assertEquals(0, counting.switchesToFallback());
        assertEquals(1, counting.fallbackDecisions(), "the next decision was Redis's");
    }

    @Test
    void lateAnswersInARowTakeTheStoreToItsFallback() throws Exception {
        Thread sleeper = redis.asleep(0.5);
        decide();
        decide();
        assertEquals("shared", counting.state(), "two in a row are not yet enough");
        decide();
        sleeper.join();
        assertEquals("fallback", counting.state());
        assertEquals(1, counting.switchesToFallback());
        decide();
        assertEquals(4, counting.fallbackDecisions(), "down, Redis is not asked");
    }

    /** One decision, waited for; a late one is answered by the fallback, never exceptionally. */
    private void decide() throws Exception {
        limits.refusal("127.0.0.1").get(5, TimeUnit.SECONDS);
    }
}
