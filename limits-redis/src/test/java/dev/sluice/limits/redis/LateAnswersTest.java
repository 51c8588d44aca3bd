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
    /** Wide enough that a loaded machine answers in time whenever Redis is awake. */
    private static final Duration BOUND = Duration.ofMillis(100);

    @RegisterExtension
    final Started started = new Started();
    private RedisServer redis;
    private ScheduledExecutorService timer;
    private SharedCounting counting;
    private SharedCallLimits limits;
    /** Switches before the test: a heartbeat late at start (under load) counts one, and is not this test's. */
    private long switchesBefore;

    @BeforeEach
    void shared() throws Exception {
        redis = started.add(RedisServer.launch());
        timer = Executors.newSingleThreadScheduledExecutor();
        counting = started.add(SharedCounting.open(new RedisSettings(redis.uri(), BOUND, 1, "sluice.redis.uri", "test"), "late-answers",
                getClass().getClassLoader(), timer));
        assertTrue(counting.awaitAnswer(Duration.ofSeconds(10)), "Redis answers");
        timer.shutdown();
        assertTrue(timer.awaitTermination(5, TimeUnit.SECONDS));
        // A heartbeat sent before the timer stopped may still end late: let it, then start shared.
        Thread.sleep(5 * BOUND.toMillis());
        assertTrue(counting.awaitAnswer(Duration.ofSeconds(10)), "Redis answers");
        switchesBefore = counting.switchesToFallback();
        limits = new SharedCallLimits("late", new CallLimitSettings(new RateLimitSettings(1_000, 100, 0), null,
                LimitStore.REDIS, LimitFallback.LOCAL), counting, System::nanoTime);
    }

    @Test
    void oneLateAnswerIsDecidedByTheFallbackAndLeavesTheStoreShared() throws Exception {
        Thread sleeper = redis.asleep(1.0);
        decide();
        sleeper.join();
        assertEquals(1, counting.fallbackDecisions(), "the late decision was the fallback's");
        decide();
        assertEquals("shared", counting.state());
        assertEquals(switchesBefore, counting.switchesToFallback());
        assertEquals(1, counting.fallbackDecisions(), "the next decision was Redis's");
    }

    @Test
    void lateAnswersInARowTakeTheStoreToItsFallback() throws Exception {
        Thread sleeper = redis.asleep(2.0);
        decide();
        decide();
        assertEquals("shared", counting.state(), "two in a row are not yet enough");
        decide();
        sleeper.join();
        assertEquals("fallback", counting.state());
        assertEquals(switchesBefore + 1, counting.switchesToFallback());
        decide();
        assertEquals(4, counting.fallbackDecisions(), "down, Redis is not asked");
    }

    /** One decision, waited for; a late one is answered by the fallback, never exceptionally. */
    private void decide() throws Exception {
        limits.refusal("127.0.0.1").get(5, TimeUnit.SECONDS);
    }
}
