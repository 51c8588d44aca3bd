package dev.sluice.upstream;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One node's attempts of the last {@link #WINDOW_SECONDS} seconds, successes and failures, for the
 * status views' recent error rate. A ring of one slot per second; each slot is one long holding
 * its second and both counts, so recording is one compare-and-set with no lock and a slot left
 * from a minute ago is recognised by its second and started afresh, never added to.
 */
public final class RecentOutcomes {
    /** The window the status views' recent figures cover. */
    public static final int WINDOW_SECONDS = 60;

    private static final int COUNT_BITS = 21;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final int SECOND_SHIFT = 2 * COUNT_BITS;
    /** Seconds are kept modulo this (48 days): only whether a slot is within the last minute is asked. */
    private static final long SECOND_MASK = (1L << (64 - SECOND_SHIFT)) - 1;
    private static final long ONE_SUCCESS = 1L << COUNT_BITS;
    private static final long ONE_FAILURE = 1L;

    private final AtomicLongArray slots = new AtomicLongArray(WINDOW_SECONDS);

    /** Attempts and failures within the window. */
    public record Window(long attempts, long failures) {
        /** Failures per attempt, or {@code NaN} when there was no attempt. */
        public double errorRate() {
            return attempts == 0 ? Double.NaN : (double) failures / attempts;
        }
    }

    void success(long nanoTime) {
        record(nanoTime, ONE_SUCCESS);
    }

    void failure(long nanoTime) {
        record(nanoTime, ONE_FAILURE);
    }

    private void record(long nanoTime, long one) {
        long second = second(nanoTime);
        int index = (int) (second % WINDOW_SECONDS);
        while (true) {
            long slot = slots.get(index);
            long next;
            if ((slot >>> SECOND_SHIFT) != second) {
                next = second << SECOND_SHIFT | one;
            } else if (full(slot, one)) {
                return; // over two million a second on one node: the rate stays near enough
            } else {
                next = slot + one;
            }
            if (slots.compareAndSet(index, slot, next)) {
                return;
            }
        }
    }

    private static boolean full(long slot, long one) {
        long count = one == ONE_SUCCESS ? slot >>> COUNT_BITS & COUNT_MASK : slot & COUNT_MASK;
        return count == COUNT_MASK;
    }

    /** The window ending at this instant (nanoTime): the current second so far and the ones before it. */
    public Window window(long nanoTime) {
        long now = second(nanoTime);
        long successes = 0;
        long failures = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            long slot = slots.get(i);
            long age = now - (slot >>> SECOND_SHIFT) & SECOND_MASK;
            if (slot != 0 && age < WINDOW_SECONDS) {
                successes += slot >>> COUNT_BITS & COUNT_MASK;
                failures += slot & COUNT_MASK;
            }
        }
        return new Window(successes + failures, failures);
    }

    private static long second(long nanoTime) {
        return Math.floorDiv(nanoTime, 1_000_000_000L) & SECOND_MASK;
    }
}
