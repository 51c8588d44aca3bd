package dev.sluice.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.ActiveCheckSettings;
import dev.sluice.config.HealthSettings;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class UpstreamHealthTest {
    private static final long MS = 1_000_000L;
    /** Active checks whose first failure takes a node out. */
    private static final ActiveCheckSettings CHECK_ONCE = new ActiveCheckSettings("/health", Duration.ofSeconds(5),
            Duration.ofSeconds(1), 200, 399, 1, 1);
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    /** Ejections of 100 ms, escalating up to 250 ms. */
    private UpstreamHealth health(int nodes, int maxFails, int maxEjectedPercent) {
        return health(nodes, new HealthSettings(maxFails, Duration.ofMillis(100), Duration.ofMillis(250), maxEjectedPercent,
                Set.of(502), false, null));
    }

    private UpstreamHealth health(int nodes, HealthSettings settings) {
        int[] weights = new int[nodes];
        java.util.Arrays.fill(weights, 1);
        List<String> names = java.util.stream.IntStream.range(0, nodes).mapToObj(i -> "n" + i + ":80").toList();
        return new UpstreamHealth("u", names, weights, settings, new HealthRegistry(now::get));
    }

    /** As {@link #health(int, int, int)} with ejections of up to a minute. */
    private UpstreamHealth healthWithLongEjections(int nodes, int maxEjectedPercent) {
        return health(nodes, new HealthSettings(3, Duration.ofMillis(100), Duration.ofSeconds(60), maxEjectedPercent,
                Set.of(502), false, null));
    }

    private static BitSet out(UpstreamHealth health) {
        BitSet out = new BitSet();
        health.excludeEjected(out);
        return out;
    }

    @Test
    void nodeLeavesAfterMaxFailsInARow() {
        UpstreamHealth health = health(3, 2, 50);
        health.failed(1);
        assertFalse(health.anyEjected());
        health.failed(1);
        assertEquals(BitSet.valueOf(new long[] {0b010}), out(health));
    }

    @Test
    void aSuccessResetsTheCount() {
        UpstreamHealth health = health(3, 2, 50);
        health.failed(1);
        health.succeeded(1);
        health.failed(1);
        assertFalse(health.anyEjected());
    }

    @Test
    void ejectionEndsByItself() {
        UpstreamHealth health = health(3, 1, 50);
        health.failed(0);
        now.addAndGet(99 * MS);
        assertTrue(out(health).get(0));
        now.addAndGet(MS);
        assertFalse(health.anyEjected());
    }

    @Test
    void ejectionsEscalateUpToTheCap() {
        UpstreamHealth health = health(3, 1, 50);
        long[] expected = {100, 200, 250, 250};
        for (long millis : expected) {
            health.failed(0);
            now.addAndGet((millis - 1) * MS);
            assertTrue(out(health).get(0), "still out before " + millis + " ms");
            now.addAndGet(MS);
            assertFalse(out(health).get(0), "back after " + millis + " ms");
        }
    }

    /**
     * A node still failing as an ejection at the cap ends is not a first offender again: the
     * quiet period counts from the end of the last ejection, not its start.
     */
    @Test
    void escalationStaysAtTheCapWhileTheNodeKeepsFailing() {
        UpstreamHealth health = health(3, 1, 50);
        long[] expected = {100, 200, 250, 250, 250};
        for (long millis : expected) {
            health.failed(0);
            now.addAndGet((millis - 1) * MS);
            assertTrue(out(health).get(0), "still out before " + millis + " ms");
            // Back; the probe request fails 10 ms later.
            now.addAndGet(11 * MS);
        }
    }

    @Test
    void escalationIsForgottenAfterAQuietPeriod() {
        UpstreamHealth health = health(3, 1, 50);
        health.failed(0);
        now.addAndGet(1_000 * MS);
        health.failed(0);
        now.addAndGet(100 * MS);
        assertFalse(out(health).get(0), "a first ejection again: 100 ms");
    }

    @Test
    void neverMoreThanTheShareOutWhileOthersServe() {
        UpstreamHealth health = health(4, 1, 50);
        health.failed(0);
        health.failed(1);
        health.failed(2);
        assertEquals(2, out(health).cardinality(), "50 % of 4 nodes");
    }

    /** Failures of real traffic may belong to some paths only: the node least bad keeps serving the others. */
    @Test
    void everyNodeFailingStillLeavesOneInRotation() {
        UpstreamHealth health = health(2, 1, 50);
        health.failed(0);
        health.failed(1);
        health.failed(1);
        assertEquals(BitSet.valueOf(new long[] {0b01}), out(health));
    }

    @Test
    void aOneNodeUpstreamIsNeverEjectedPassively() {
        UpstreamHealth health = health(1, 1, 99);
        for (int i = 0; i < 10; i++) {
            health.failed(0);
        }
        assertFalse(health.anyEjected());
    }

    @Test
    void maxEjectedPercent100LetsPassiveHealthTakeEveryNodeOut() {
        UpstreamHealth health = health(2, 1, 100);
        health.failed(0);
        health.failed(1);
        assertEquals(2, out(health).cardinality());
        assertEquals(1, health.secondsUntilFirstBack());
    }

    @Test
    void retryAfterSetsTheEjectionExactly() {
        UpstreamHealth health = healthWithLongEjections(2, 50);
        health.retryAfter(1, 7);
        now.addAndGet(6_999 * MS);
        assertTrue(out(health).get(1));
        now.addAndGet(MS);
        assertFalse(health.anyEjected());
    }

    @Test
    void retryAfterLastsAtMostTheLongestEjection() {
        UpstreamHealth health = health(2, 3, 50);
        health.retryAfter(1, 1_000_000_000);
        now.addAndGet(249 * MS);
        assertTrue(out(health).get(1));
        now.addAndGet(MS);
        assertFalse(health.anyEjected(), "back after health.max-ejection (250 ms)");
    }

    @Test
    void retryAfterTooLargeForNanosecondsStillEjectsForTheLongestEjection() {
        UpstreamHealth health = health(2, 3, 50);
        health.retryAfter(1, Long.MAX_VALUE / 1_000);
        assertTrue(out(health).get(1));
    }

    @Test
    void retryAfterNeverTakesMoreThanTheShareOutWhileOthersServe() {
        UpstreamHealth health = healthWithLongEjections(4, 50);
        for (int node = 0; node < 4; node++) {
            health.retryAfter(node, 60);
        }
        assertEquals(2, out(health).cardinality(), "50 % of 4 nodes");
    }

    @Test
    void retryAfterNeverTakesTheLastNodeOutThoughItIsFailingToo() {
        UpstreamHealth health = healthWithLongEjections(2, 50);
        for (int i = 0; i < 3; i++) {
            health.failed(0);
        }
        health.failed(1);
        health.failed(1);
        health.retryAfter(1, 60);
        assertEquals(BitSet.valueOf(new long[] {0b01}), out(health));
    }

    @Test
    void retryAfterEjectsNothingWithPassiveHealthOff() {
        UpstreamHealth health = health(2, 0, 50);
        health.retryAfter(1, 7);
        assertFalse(health.anyEjected());
    }

    @Test
    void allOutByActiveChecksTellsWhenTheChecksCanFirstBringOneBack() {
        ActiveCheckSettings check = new ActiveCheckSettings("/health", Duration.ofSeconds(5), Duration.ofSeconds(1), 200, 399, 2, 1);
        UpstreamHealth health = health(2, new HealthSettings(3, Duration.ofMillis(100), Duration.ofMillis(250), 50,
                Set.of(502), false, check));
        health.checked(0, false);
        health.checked(1, false);
        assertEquals(2, out(health).cardinality());
        assertEquals(10, health.secondsUntilFirstBack(), "two passing checks 5 s apart");
    }

    /** Active checks ask each node as a whole, not some paths of it: they alone may take every node out. */
    @Test
    void activeChecksMayTakeEveryNodeOutWhateverTheShare() {
        UpstreamHealth health = health(3, new HealthSettings(3, Duration.ofMillis(100), Duration.ofMillis(250), 50,
                Set.of(502), false, CHECK_ONCE));
        for (int node = 0; node < 3; node++) {
            health.checked(node, false);
        }
        assertEquals(3, out(health).cardinality());
    }

    @Test
    void nodesTheActiveChecksHoldOutCountInThePassiveShare() {
        UpstreamHealth health = health(2, new HealthSettings(1, Duration.ofMillis(100), Duration.ofMillis(250), 50,
                Set.of(502), false, CHECK_ONCE));
        health.checked(0, false);
        health.failed(1);
        assertEquals(BitSet.valueOf(new long[] {0b01}), out(health), "the node the checks pass keeps serving");
    }

    @Test
    void passiveHealthCanBeTurnedOff() {
        UpstreamHealth health = health(2, 0, 50);
        for (int i = 0; i < 10; i++) {
            health.failed(0);
        }
        assertFalse(health.anyEjected());
    }

    @Test
    void stateShowsAnEjectedNodeWithItsTimeLeftAndEjections() {
        UpstreamHealth health = health(2, 3, 50);
        for (int i = 0; i < 3; i++) {
            health.failed(1);
        }
        now.addAndGet(40 * MS);
        assertEquals(new NodeState(NodeState.Condition.EJECTED, 60, 1, 0), health.state(1));
        assertEquals(new NodeState(NodeState.Condition.UP, 0, 0, 0), health.state(0));
    }

    @Test
    void stateCountsEveryEjectionThoughTheEscalationStartsOver() {
        UpstreamHealth health = health(2, 1, 50);
        health.failed(1);
        now.addAndGet(1_000 * MS);
        health.failed(1);
        assertEquals(2, health.state(1).ejections(), "the second ejection is #1 again after a quiet second, yet the second seen");
    }

    @Test
    void stateShowsANodeTheActiveChecksHoldOutAsDown() {
        UpstreamHealth health = health(2, new HealthSettings(3, Duration.ofMillis(100), Duration.ofMillis(250), 50,
                Set.of(502), false, CHECK_ONCE));
        health.checked(0, false);
        assertEquals(NodeState.Condition.DOWN, health.state(0).condition());
    }

    @Test
    void stateOfANodeInRotationCountsItsFailuresInARow() {
        UpstreamHealth health = health(2, 3, 50);
        health.failed(0);
        health.failed(0);
        assertEquals(new NodeState(NodeState.Condition.UP, 0, 0, 2), health.state(0));
    }
}
