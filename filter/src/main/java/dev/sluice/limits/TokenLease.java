package dev.sluice.limits;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Tokens of a shared bucket taken ahead of the calls that spend them, so that an instance deciding
 * many calls a second asks the store once per batch instead of once per call. Each token was taken
 * from the shared bucket, so no call goes through that the bucket did not allow; what a batch can
 * cost is tokens taken and never spent (they expire {@value #LIFE_MILLIS} ms after the batch came),
 * and calls spent a little after the bucket counted them. Both are bounded by the batch's size,
 * which follows this instance's own rate (about {@value #SPAN_MILLIS} ms of its calls) and never
 * exceeds a twentieth of a second of its share of the limit. At a low rate the batch is one token:
 * every call asks the store, as without a lease.
 *
 * <p>One batch is asked for at a time, as the current one runs low; calls that find it empty
 * meanwhile wait for the batch on its way, and ask for a token of their own if it has none left
 * for them.
 */
final class TokenLease {
    static final long LIFE_MILLIS = 100;
    static final long SPAN_MILLIS = 50;
    private static final long LIFE = LIFE_MILLIS * 1_000_000L;
    private static final long SPAN = SPAN_MILLIS * 1_000_000L;
    /** A rate measured over less time than this is too noisy to size a batch by. */
    private static final long SHORTEST_LOOK = 5_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final LongSupplier nanoClock;
    private final AtomicReference<Batch> current;
    /**
     * The batch being asked for, at most one at a time: completes with whether the store answered
     * (with tokens or a refusal), {@code false} when it failed or was too slow.
     */
    private final AtomicReference<CompletableFuture<Boolean>> asking = new AtomicReference<>();
    private final LongAdder calls = new LongAdder();
    /** Written only by the caller that won {@link #startAsking}. */
    private long lookedAt;
    private int lastSize = 1;

    /** Tokens left of one grant, spendable until it expires. */
    private static final class Batch {
        final int size;
        final long expiresAt;
        final AtomicInteger left;

        Batch(int size, long expiresAt) {
            this.size = size;
            this.expiresAt = expiresAt;
            this.left = new AtomicInteger(size);
        }

        boolean take(long now) {
            if (now - expiresAt >= 0) {
                return false;
            }
            for (int n = left.get(); n > 0; n = left.get()) {
                if (left.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    TokenLease(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        long now = nanoClock.getAsLong();
        this.current = new AtomicReference<>(new Batch(0, now));
        this.lookedAt = now;
    }

    /** Spends a token of the batch, if one is left and unexpired; counts the call either way. */
    boolean take() {
        calls.increment();
        return takeAgain();
    }

    /** {@link #take} for a call already counted, that waited for a batch. */
    boolean takeAgain() {
        long now = nanoClock.getAsLong();
        Batch batch = current.get();
        if (batch.take(now)) {
            return true;
        }
        // A new batch may have come in between: its tokens, and the old one's rest, are there.
        Batch next = current.get();
        return next != batch && next.take(now);
    }

    /**
     * Whether the batch is down to its second half (or gone): time to ask for the next, early
     * enough that it comes before the last token is spent on a slow round trip.
     */
    boolean low() {
        Batch batch = current.get();
        return batch.left.get() <= batch.size / 2;
    }

    /** Whether the caller asks for the next batch: only one is asked for at a time. */
    boolean startAsking() {
        return asking.get() == null && asking.compareAndSet(null, new CompletableFuture<>());
    }

    /**
     * The batch being asked for, for a call that found none left to wait for instead of asking on
     * its own; {@code null} when none is.
     */
    CompletableFuture<Boolean> asked() {
        return asking.get();
    }

    /**
     * How many tokens to ask for, by the winner of {@link #startAsking}: this instance's calls
     * of the last {@value #SPAN_MILLIS} ms at the rate it had since the last ask, at most
     * {@code most}.
     */
    int size(int most) {
        long now = nanoClock.getAsLong();
        long elapsed = now - lookedAt;
        if (elapsed >= SHORTEST_LOOK) {
            double perSecond = calls.sumThenReset() * (double) SECOND / elapsed;
            lastSize = (int) Math.max(1, Math.min(most, perSecond * SPAN / SECOND));
            lookedAt = now;
        }
        return Math.min(lastSize, Math.max(1, most));
    }

    /** The tokens asked for came (those of them not already spent by the call that asked). */
    void granted(int tokens) {
        long now = nanoClock.getAsLong();
        Batch fresh = new Batch(tokens, now + LIFE);
        Batch old = current.getAndSet(fresh);
        if (now - old.expiresAt < 0) {
            int rest = old.left.getAndSet(0);
            if (rest > 0) {
                fresh.left.addAndGet(rest);
            }
        }
        asking.getAndSet(null).complete(true);
    }

    /**
     * The ask was refused, or failed: the next call may ask again.
     *
     * @param answered whether the store answered (a refusal), rather than failed or was too slow
     */
    void notGranted(boolean answered) {
        asking.getAndSet(null).complete(answered);
    }
}
