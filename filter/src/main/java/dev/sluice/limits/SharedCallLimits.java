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
 * divided by the instances, at least 1 a second), no limit, or a refusal. With an upstream-wide
 * limit alone, tokens are leased in batches that follow this instance's rate ({@link TokenLease}):
 * at a high rate most calls are decided here, on the calling thread, without a round trip.
 */
public final class SharedCallLimits {
    private static final long SECOND = 1_000_000_000L;
    /** A batch of leased tokens is at most this fraction of a second of the instance's share. */
    private static final int LEASED_PER_SHARE = 20;
    /** The answer for a call that spent a leased token; never completed by anyone else. */
    private static final CompletableFuture<RateLimiter.Decision> ALLOWED = CompletableFuture.completedFuture(null);

    private final CallLimitSettings settings;
    private final SharedCounting counting;
    private final LongSupplier nanoClock;
    private final String tag;
    private final SharedLimitStore.Bucket upstreamBucket;
    /** The upstream-wide bucket's tokens taken ahead; {@code null} with a per-client limit. */
    private final TokenLease lease;
    private volatile Share share;

    /** This instance's share of the limits, for a number of instances. */
    private record Share(int instances, CallLimits limits) {
    }

    /**
     * @param upstream the upstream's name, which names its buckets in the store
     * @param settings its limits, counted in the shared store
     * @param counting the filter's store
     * @param nanoClock the clock of the local fallback and of the leased tokens
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
        // A client's own bucket is taken with the upstream's in one step, so a call with a
        // per-client limit always asks the store.
        this.lease = upstreamBucket != null && settings.perClient() == null ? new TokenLease(nanoClock) : null;
    }

    /**
     * Takes a token for a call from this client, in the store or by the fallback.
     *
     * @return completes with {@code null} when the call may go on, else the refusal to answer
     *         with (429); never exceptionally. Already complete when the fallback decided or
     *         a leased token was spent.
     */
    public CompletableFuture<RateLimiter.Decision> refusal(String clientAddress) {
        if (!counting.up()) {
            return CompletableFuture.completedFuture(fallback(clientAddress));
        }
        if (lease == null) {
            return asked(buckets(clientAddress), clientAddress);
        }
        if (lease.take()) {
            if (lease.low() && lease.startAsking()) {
                askBatch(false, clientAddress);
            }
            return ALLOWED;
        }
        if (lease.startAsking()) {
            return askBatch(true, clientAddress);
        }
        CompletableFuture<Boolean> batch = lease.asked();
        if (batch == null) {
            return asked(upstreamBucket(), clientAddress);
        }
        // Calls come in clumps: those that meet an empty lease while a batch is on its way wait
        // for it rather than each asking the store for a token of its own. A batch the store
        // failed to answer in time leaves them to the fallback: asking again would double the bound.
        return batch.thenCompose(answered -> lease.takeAgain() ? ALLOWED
                : answered ? asked(upstreamBucket(), clientAddress) : CompletableFuture.completedFuture(fallback(clientAddress)));
    }

    private List<SharedLimitStore.Bucket> upstreamBucket() {
        return List.of(upstreamBucket);
    }

    /** One call's tokens from the store, one round trip. */
    private CompletableFuture<RateLimiter.Decision> asked(List<SharedLimitStore.Bucket> buckets, String clientAddress) {
        CompletableFuture<RateLimiter.Decision> asked;
        try {
            asked = counting.store().acquire(buckets).toCompletableFuture();
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

    /**
     * The upstream's next batch of tokens from the store, one round trip: for this call, which
     * spends the first, or ahead of the calls to come, this one having spent a leased token.
     */
    private CompletableFuture<RateLimiter.Decision> askBatch(boolean forThisCall, String clientAddress) {
        int share = Math.max(1, settings.upstreamWide().rate() / counting.instances());
        int size = lease.size(Math.max(1, share / LEASED_PER_SHARE));
        CompletableFuture<SharedLimitStore.Grant> asked;
        try {
            asked = counting.store().lease(upstreamBucket, size).toCompletableFuture();
        } catch (RuntimeException e) {
            lease.notGranted(false);
            counting.decisionFailed(e);
            return forThisCall ? CompletableFuture.completedFuture(fallback(clientAddress)) : ALLOWED;
        }
        return asked.handle((grant, failure) -> {
            if (failure != null) {
                lease.notGranted(false);
                counting.decisionFailed(failure);
                return forThisCall ? fallback(clientAddress) : null;
            }
            counting.answeredInTime();
            if (grant.refusal() != null) {
                lease.notGranted(true);
                return forThisCall ? grant.refusal() : null;
            }
            lease.granted(forThisCall ? grant.tokens() - 1 : grant.tokens());
            return null;
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
