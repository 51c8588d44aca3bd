package dev.sluice.limits;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket of {@code rate} requests per second holding at most {@code burst} tokens, kept as
 * one number (the generic cell rate algorithm): the time at which the bucket would be full again.
 * A request takes a token by pushing that time one interval further; one compare-and-set, no lock,
 * no timer, and exact under any concurrency.
 */
public final class RateLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final int rate;
    private final long interval;
    private final long tolerance;
    private final LongSupplier nanoClock;
    private final AtomicLong fullAt;

    /**
     * @param rate tokens added per second, at least 1
     * @param burst the bucket's size, at least 1
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     */
    public RateLimiter(int rate, int burst, LongSupplier nanoClock) {
        if (rate < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be at least 1: " + rate + ", " + burst);
        }
        this.rate = rate;
        this.interval = SECOND / rate;
        this.tolerance = interval * burst;
        this.nanoClock = nanoClock;
        this.fullAt = new AtomicLong(nanoClock.getAsLong());
    }

    /** Takes one token if there is one. */
    public Decision acquire() {
        return take().decision();
    }

    /** Takes one token if there is one, remembering the bucket's state for {@link #giveBack}. */
    Taken take() {
        long now = nanoClock.getAsLong();
        for (;;) {
            long current = fullAt.get();
            long next = Math.max(current, now) + interval;
            long debt = next - now;
            if (debt > tolerance) {
                return new Taken(new Decision(false, rate, 0, debt - tolerance, Math.max(0, current - now)), current);
            }
            if (fullAt.compareAndSet(current, next)) {
                int remaining = (int) ((tolerance - debt) / interval);
                return new Taken(new Decision(true, rate, remaining, 0, debt), next);
            }
        }
    }

    /**
     * Gives back a token taken for a call that was not made after all, if no other call took one
     * since: the bucket may have refilled in between, and a token given back on top of a later
     * one would leave it fuller than its size. The rare refund lost that way costs one token.
     */
    void giveBack(Taken taken) {
        if (taken.decision().allowed()) {
            fullAt.compareAndSet(taken.fullAt(), taken.fullAt() - interval);
        }
    }

    /** A decision and the bucket's state it left, for {@link #giveBack}. */
    record Taken(Decision decision, long fullAt) {
    }

    /**
     * The answer for one request.
     *
     * @param allowed whether the request may go on
     * @param limit the configured rate per second
     * @param remaining tokens left after this request
     * @param retryAfterNanos for a refused request, when the next token will be there
     * @param resetNanos when the bucket will be full again
     */
    public record Decision(boolean allowed, int limit, int remaining, long retryAfterNanos, long resetNanos) {

        /** {@code Retry-After} in whole seconds, rounded up and at least 1. */
        public long retryAfterSeconds() {
            return Math.max(1, ceilSeconds(retryAfterNanos));
        }

        /** {@code RateLimit-Reset} in whole seconds, rounded up. */
        public long resetSeconds() {
            return ceilSeconds(resetNanos);
        }

        private static long ceilSeconds(long nanos) {
            return (nanos + SECOND - 1) / SECOND;
        }
    }
}
