package dev.sluice.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.RateLimitSettings;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CallLimitsTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void noLimitsAllowEverything() {
        CallLimits limits = CallLimits.of(null, null, now::get);
        for (int i = 0; i < 1_000; i++) {
            assertNull(limits.refusal("198.51.100.1"));
        }
    }

    @Test
    void perClientLimitKeepsClientsApart() {
        CallLimits limits = CallLimits.of(null, new RateLimitSettings(1, 2, 1_000), now::get);
        assertNull(limits.refusal("198.51.100.1"));
        assertNull(limits.refusal("198.51.100.1"));
        assertNotNull(limits.refusal("198.51.100.1"));
        assertNull(limits.refusal("198.51.100.2"), "another client has its own bucket");
    }

    @Test
    void upstreamLimitIsShared() {
        CallLimits limits = CallLimits.of(new RateLimitSettings(1, 2, 0), null, now::get);
        assertNull(limits.refusal("198.51.100.1"));
        assertNull(limits.refusal("198.51.100.2"));
        assertNotNull(limits.refusal("198.51.100.3"));
    }

    @Test
    void aCallTheUpstreamLimitRefusesCostsTheClientNoToken() {
        CallLimits limits = CallLimits.of(new RateLimitSettings(100, 1, 0), new RateLimitSettings(1, 1, 1_000), now::get);
        assertNull(limits.refusal("198.51.100.1"), "takes the upstream's only token");
        assertNotNull(limits.refusal("198.51.100.2"), "the upstream is out of tokens");
        now.addAndGet(10_000_000L); // the upstream's bucket refills in 10 ms, a client's in a second
        assertNull(limits.refusal("198.51.100.2"), "the refused call took none of the client's own tokens");
    }

    @Test
    void aFloodOfClientsStaysBounded() {
        CallLimits limits = CallLimits.of(null, new RateLimitSettings(10, 10, 500), now::get);
        for (int i = 0; i < 20_000; i++) {
            limits.refusal("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
        }
        assertTrue(limits.trackedClients() <= 500, limits.trackedClients() + " buckets held");
    }

    @Test
    void idleClientBucketsExpireOnceRefilled() {
        CallLimits limits = CallLimits.of(null, new RateLimitSettings(10, 10, 500), now::get);
        limits.refusal("198.51.100.1");
        assertEquals(1, limits.trackedClients());
        now.addAndGet(2_000_000_000L);
        assertEquals(0, limits.trackedClients());
    }
}
