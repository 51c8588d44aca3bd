package dev.sluice.config;

/**
 * The rate limits on an upstream's calls.
 *
 * @param upstreamWide the limit on all calls to the upstream, or {@code null}
 * @param perClient the limit on each client's calls, or {@code null}
 */
public record CallLimitSettings(RateLimitSettings upstreamWide, RateLimitSettings perClient) {
}
