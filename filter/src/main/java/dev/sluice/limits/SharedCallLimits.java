package dev.sluice.limits;

import dev.sluice.config.CallLimitSettings;
import dev.sluice.config.RateLimitSettings;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The call rate limits of one upstream counted in the shared store, for every instance together.
 * Both buckets of a call (the client's, then the upstream's) are taken in one atomic step, so a
 * client refused by the upstream-wide limit keeps its token without a second round trip. While the
 * store is down, the upstream's fallback decides: its share of the rate in this instance (the rate
 * divided by the instances, at least 1 a second), no limit, or a refusal.
 */
public final class SharedCallLimits {
    private static final long SECOND = 1_000_000_000L;

    private final CallLimitSettings settings;
    private final SharedCounting counting;
    private final LongSupplier nanoClock;
    private final String tag;
    private final SharedLimitStore.Bucket upstreamBucket;
    private volatile Share share;

    /** This instance's share of the limits, for a number of instances. */
    private record Share(int instances, CallLimits limits) {
    }

    /**
     * @param upstream the upstream's name, which names its buckets in the store
     * @param settings its limits, counted in the shared store
     * @param counting the filter's store
     * @param nanoClock the clock of the local fallback
     */
    public SharedCallLimits(String upstream, CallLimitSettings settings, SharedCounting counting, LongSupplier nanoClock) {
        this.settings = settings;
        this.counting = counting;
        this.nanoClock = nanoClock;
        // One hash tag for both buckets of a call, so that Redis Cluster keeps them on one node and
        // one script can take both; with only per-client limits, each client's own tag spreads them.
        this.tag = "sluice:" + upstream;
        RateLimitSettings wide = settings.upstreamWide();
        this.upstreamBucket = wide == null ? null : new SharedLimitStore.Bucket("{" + tag + "}:all", wide.rate(), wide.burst());
    }

    /**
     * Takes a token for a call from this client, in the store or by the fallback.
     *
     * @return completes with {@code null} when the call may go on, else the refusal to answer
     *         with (429); never exceptionally. Already complete when the fallback decided.
     */
    public CompletableFuture<RateLimiter.Decision> refusal(String clientAddress) {
        if (!counting.up()) {
            return CompletableFuture.completedFuture(fallback(clientAddress));
        }
        CompletableFuture<RateLimiter.Decision> asked;
        try {
            asked = counting.store().acquire(buckets(clientAddress)).toCompletableFuture();
        } catch (RuntimeException e) {
            counting.decisionFailed(e);
            return CompletableFuture.completedFuture(fallback(clientAddress));
        }
        return asked.handle((decision, failure) -> {
            if (failure == null) {
                counting.answeredInTime();
                return decision;
            }
            counting.decisionFailed(failure);
            return fallback(clientAddress);
        });
    }

    private List<SharedLimitStore.Bucket> buckets(String client) {
        RateLimitSettings perClient = settings.perClient();
        if (perClient == null) {
            return List.of(upstreamBucket);
        }
        String key = upstreamBucket == null ? "{" + tag + ":" + client + "}" : "{" + tag + "}:" + client;
        SharedLimitStore.Bucket own = new SharedLimitStore.Bucket(key, perClient.rate(), perClient.burst());
        return upstreamBucket == null ? List.of(own) : List.of(own, upstreamBucket);
    }

    private RateLimiter.Decision fallback(String client) {
        counting.countFallbackDecision();
        return switch (settings.fallback()) {
            case FAIL_OPEN -> null;
            case FAIL_CLOSED -> new RateLimiter.Decision(false, anyRate(), 0, SECOND, SECOND);
            case LOCAL -> localShare().refusal(client);
        };
    }

    private int anyRate() {
        return settings.upstreamWide() != null ? settings.upstreamWide().rate() : settings.perClient().rate();
    }

    /** This instance's buckets for the instances counted now, rebuilt when their number changes. */
    private CallLimits localShare() {
        int instances = counting.instances();
        Share current = share;
        if (current == null || current.instances() != instances) {
            current = new Share(instances, CallLimits.of(divided(settings.upstreamWide(), instances),
                    divided(settings.perClient(), instances), nanoClock));
            share = current;
        }
        return current.limits();
    }

    private static RateLimitSettings divided(RateLimitSettings limit, int instances) {
        return limit == null ? null : new RateLimitSettings(Math.max(1, limit.rate() / instances),
                Math.max(1, limit.burst() / instances), limit.maxClients());
    }

    /** The filter's store, for the status views. */
    public SharedCounting counting() {
        return counting;
    }
}
