package dev.sluice.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong now = new AtomicLong(1_000_000 * MS);

    @Test
    void aFullBucketAllowsTheBurstAtOnce() {
        RateLimiter limiter = new RateLimiter(10, 5, now::get);
        for (int i = 4; i >= 0; i--) {
            RateLimiter.Decision d = limiter.acquire();
            assertTrue(d.allowed());
            assertEquals(i, d.remaining());
        }
        assertFalse(limiter.acquire().allowed());
    }

    @Test
    void aTokenGivenBackIsThereAgain() {
        RateLimiter limiter = new RateLimiter(10, 1, now::get);
        limiter.giveBack(limiter.take());
        assertTrue(limiter.acquire().allowed());
        assertFalse(limiter.acquire().allowed());
    }

    /** The bucket refilled after the token was taken, and another call took one since: no refund on top of it. */
    @Test
    void aTokenGivenBackAfterAnotherWasTakenNeverOverfillsTheBucket() {
        RateLimiter limiter = new RateLimiter(10, 2, now::get);
        RateLimiter.Taken first = limiter.take();
        now.addAndGet(500 * MS);
        assertTrue(limiter.acquire().allowed());
        limiter.giveBack(first);
        assertTrue(limiter.acquire().allowed(), "one token left of two");
        assertFalse(limiter.acquire().allowed(), "and no more");
    }

    @Test
    void tokensComeBackAtTheRate() {
        RateLimiter limiter = new RateLimiter(10, 1, now::get);
        assertTrue(limiter.acquire().allowed());
        assertFalse(limiter.acquire().allowed());
        now.addAndGet(99 * MS);
        assertFalse(limiter.acquire().allowed());
        now.addAndGet(MS);
        assertTrue(limiter.acquire().allowed());
    }

    @Test
    void sustainedRateIsExact() {
        RateLimiter limiter = new RateLimiter(100, 1, now::get);
        int allowed = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            if (limiter.acquire().allowed()) {
                allowed++;
            }
            now.addAndGet(MS);
        }
        assertEquals(1_000, allowed);
    }

    @Test
    void refusalSaysWhenToComeBack() {
        RateLimiter limiter = new RateLimiter(2, 2, now::get);
        limiter.acquire();
        limiter.acquire();
        RateLimiter.Decision refused = limiter.acquire();
        assertFalse(refused.allowed());
        assertEquals(500 * MS, refused.retryAfterNanos());
        assertEquals(1, refused.retryAfterSeconds());
        assertEquals(0, refused.remaining());
        assertEquals(2, refused.limit());
        assertEquals(1, refused.resetSeconds());
    }

    @Test
    void refusedRequestsTakeNoToken() {
        RateLimiter limiter = new RateLimiter(1, 1, now::get);
        limiter.acquire();
        for (int i = 0; i < 100; i++) {
            assertFalse(limiter.acquire().allowed());
        }
        now.addAndGet(1_000 * MS);
        assertTrue(limiter.acquire().allowed());
    }
}
