package dev.sluice.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.ActiveCheckSettings;
import dev.sluice.config.HealthSettings;

import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Node health kept by host:port across the upstreams of one filter, as a reload builds them anew. */
class HealthRegistryTest {
    private static final long MS = 1_000_000L;
    private static final ActiveCheckSettings CHECKS = new ActiveCheckSettings("/health", Duration.ofSeconds(1),
            Duration.ofSeconds(1), 200, 399, 1, 1);

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final HealthRegistry registry = new HealthRegistry(now::get);

    /** An upstream's health over these nodes: out after 2 failures, for 100 ms, escalating to 250 ms. */
    private UpstreamHealth upstream(ActiveCheckSettings checks, String... addresses) {
        int[] weights = new int[addresses.length];
        Arrays.fill(weights, 1);
        return new UpstreamHealth("u", List.of(addresses), weights, new HealthSettings(2, Duration.ofMillis(100),
                Duration.ofMillis(250), 50, Set.of(), false, checks), registry);
    }

    private UpstreamHealth upstream(String... addresses) {
        return upstream(null, addresses);
    }

    private static BitSet out(UpstreamHealth health) {
        BitSet out = new BitSet();
        health.excludeEjected(out);
        return out;
    }

    private static void eject(UpstreamHealth health, int node) {
        health.failed(node);
        health.failed(node);
    }

    @Test
    void aNodeEjectedBeforeStaysEjectedInAnUpstreamBuiltAfter() {
        eject(upstream("a:80", "b:80"), 0);
        UpstreamHealth rebuilt = upstream("b:80", "a:80");
        assertTrue(rebuilt.anyEjected(), "the shortcut must not hide the carried-over ejection");
        assertEquals(BitSet.valueOf(new long[] {0b10}), out(rebuilt));
        assertTrue(rebuilt.describe(1).endsWith("(ejection #1)"), rebuilt.describe(1));
    }

    @Test
    void theEscalationGoesOnInAnUpstreamBuiltAfter() {
        eject(upstream("a:80", "b:80"), 0);
        now.addAndGet(100 * MS);
        UpstreamHealth rebuilt = upstream("a:80", "b:80");
        assertFalse(out(rebuilt).get(0), "the first ejection is over");
        eject(rebuilt, 0);
        assertEquals("ejected 200 ms more (ejection #2)", rebuilt.describe(0));
    }

    @Test
    void anEjectionThroughOneUpstreamKeepsTheNodeOutOfAnotherListingIt() {
        UpstreamHealth first = upstream("a:80", "b:80");
        UpstreamHealth second = upstream("c:80", "a:80");
        eject(first, 0);
        assertTrue(second.anyEjected(), "the shortcut must see an ejection made through another upstream");
        assertEquals(BitSet.valueOf(new long[] {0b10}), out(second));
    }

    @Test
    void failuresThroughTwoUpstreamsAddUp() {
        UpstreamHealth first = upstream("a:80", "b:80");
        UpstreamHealth second = upstream("a:80", "c:80");
        first.failed(0);
        second.failed(0);
        assertTrue(out(first).get(0));
    }

    @Test
    void theStateOfANodeNoLongerUsedIsDropped() {
        eject(upstream("a:80", "b:80"), 0);
        registry.retain(Set.of("b:80"), Set.of());
        UpstreamHealth readded = upstream("a:80", "b:80");
        assertEquals("up", readded.describe(0));
        readded.failed(0);
        assertEquals("up, 1 failures in a row", readded.describe(0), "the count starts over");
    }

    @Test
    void anActiveVerdictCarriesOverToAnUpstreamBuiltAfter() {
        upstream(CHECKS, "a:80", "b:80").checked(0, false);
        UpstreamHealth rebuilt = upstream(CHECKS, "a:80", "b:80");
        assertTrue(rebuilt.anyEjected());
        assertEquals("down (active check)", rebuilt.describe(0));
    }

    @Test
    void anActiveVerdictIsClearedWhenNoUpstreamChecksTheNodeAnyMore() {
        upstream(CHECKS, "a:80", "b:80").checked(0, false);
        registry.retain(Set.of("a:80", "b:80"), Set.of());
        UpstreamHealth unchecked = upstream("a:80", "b:80");
        assertFalse(unchecked.anyEjected());
        assertEquals("up", unchecked.describe(0));
    }

    @Test
    void aNodeDroppedWhileDownLeavesNoNodeOutBehind() {
        upstream(CHECKS, "a:80", "b:80").checked(0, false);
        registry.retain(Set.of("b:80"), Set.of("b:80"));
        assertFalse(upstream(CHECKS, "b:80").anyEjected(), "the hot path's shortcut goes back to nothing out");
    }
}
