package dev.sluice.limits;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A store where call rate limits are counted for every instance of an application at once (the
 * service provider interface of {@code dev.sluice:sluice-limits-redis}). The filter finds the
 * {@link Provider} through {@link java.util.ServiceLoader} and never waits for the store: every
 * answer completes later, on the store's own threads.
 */
public interface SharedLimitStore extends AutoCloseable {

    /**
     * One token bucket, as the local {@link RateLimiter} keeps it.
     *
     * @param key the bucket's name in the store, unique across the application's instances
     * @param rate tokens added per second
     * @param burst the bucket's size
     */
    record Bucket(String key, int rate, int burst) {
    }

    /**
     * Takes a token from each bucket, all or none, in one atomic step: the first bucket that has
     * none refuses the call and no bucket is changed.
     *
     * @return completes with {@code null} when the call may go on, else the refusal (computed
     *         from the shared state), or exceptionally when the store failed or took longer than
     *         the timeout it was opened with
     */
    CompletionStage<RateLimiter.Decision> acquire(List<Bucket> buckets);

    /**
     * Takes up to {@code atMost} tokens from one bucket in one atomic step, as many as it holds:
     * an instance deciding many calls a second takes several per round trip and spends them
     * itself.
     *
     * @return completes with the tokens taken, at least one, or with the refusal when the bucket
     *         had none; exceptionally as {@link #acquire}
     */
    CompletionStage<Grant> lease(Bucket bucket, int atMost);

    /** What {@link #lease} took: tokens, or the refusal. */
    final class Grant {
        private final int tokens;
        private final RateLimiter.Decision refusal;

        private Grant(int tokens, RateLimiter.Decision refusal) {
            this.tokens = tokens;
            this.refusal = refusal;
        }

        /** Tokens taken, at least one. */
        public static Grant of(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("a grant holds at least one token: " + tokens);
            }
            return new Grant(tokens, null);
        }

        /** No token: the bucket's refusal. */
        public static Grant refused(RateLimiter.Decision refusal) {
            return new Grant(0, refusal);
        }

        /** Tokens taken; 0 when refused. */
        public int tokens() {
            return tokens;
        }

        /** The refusal, or {@code null} when tokens were taken. */
        public RateLimiter.Decision refusal() {
            return refusal;
        }
    }

    /**
     * Says this instance is alive and counts those alive.
     *
     * @param instance this instance's identity, the same for every call
     * @return completes with the instances alive in the last few seconds, this one included, or
     *         exceptionally when the store is unreachable or slow; an unconnected store tries to
     *         connect again
     */
    CompletionStage<Integer> heartbeat(String instance);

    /** Closes the connection and the store's threads. */
    @Override
    void close();

    /** Opens a store; one per kind, found through {@link java.util.ServiceLoader}. */
    interface Provider {
        /** The kind, as {@code rate-limit.store} names it: {@code redis}. */
        String name();

        /**
         * Opens the store without waiting for it: an unreachable store opens all the same, and
         * connects when it can.
         *
         * @param uri where the store is
         * @param timeout the longest any answer may take before it completes exceptionally
         * @throws IllegalArgumentException for a URI the store cannot use, with the reason
         */
        SharedLimitStore open(String uri, Duration timeout);
    }
}
