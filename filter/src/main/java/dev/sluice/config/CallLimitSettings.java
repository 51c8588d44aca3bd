package dev.sluice.config;

/**
 * The rate limits on an upstream's calls.
 *
 * @param upstreamWide the limit on all calls to the upstream, or {@code null}
 * @param perClient the limit on each client's calls, or {@code null}
 * @param store where both are counted
 * @param fallback for a shared store, how calls are limited while it is down
 */
public record CallLimitSettings(RateLimitSettings upstreamWide, RateLimitSettings perClient, LimitStore store,
        LimitFallback fallback) {

    /** Limits counted in this instance. */
    public CallLimitSettings(RateLimitSettings upstreamWide, RateLimitSettings perClient) {
        this(upstreamWide, perClient, LimitStore.LOCAL, LimitFallback.LOCAL);
    }

    /** Whether the limits are counted in a store shared by every instance. */
    public boolean shared() {
        return store == LimitStore.REDIS;
    }
}
