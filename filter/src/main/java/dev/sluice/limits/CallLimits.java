package dev.sluice.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.sluice.config.RateLimitSettings;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The call rate limits of one upstream: a JVM-wide bucket, and optionally one bucket per client
 * address. Client buckets live in Caffeine, bounded in number and dropped once they would have
 * refilled anyway, so a flood of distinct addresses costs bounded memory and changes no answer.
 */
public final class CallLimits {
    private static final CallLimits NONE = new CallLimits(null, null, null, System::nanoTime);

    private final RateLimiter upstream;
    private final RateLimitSettings perClient;
    private final Cache<String, RateLimiter> clients;
    private final LongSupplier nanoClock;

    private CallLimits(RateLimiter upstream, RateLimitSettings perClient, Cache<String, RateLimiter> clients,
            LongSupplier nanoClock) {
        this.upstream = upstream;
        this.perClient = perClient;
        this.clients = clients;
        this.nanoClock = nanoClock;
    }

    /**
     * @param upstream the upstream-wide limit, or {@code null}
     * @param perClient the per-client limit, or {@code null}
     * @param nanoClock a monotonic nanosecond clock, also used for the client buckets' expiry
     */
    public static CallLimits of(RateLimitSettings upstream, RateLimitSettings perClient, LongSupplier nanoClock) {
        if (upstream == null && perClient == null) {
            return NONE;
        }
        Cache<String, RateLimiter> clients = null;
        if (perClient != null) {
            long refillNanos = Math.max(1_000_000_000L, perClient.burst() * 1_000_000_000L / perClient.rate());
            clients = Caffeine.newBuilder()
                    .maximumSize(perClient.maxClients())
                    .expireAfterAccess(Duration.ofNanos(refillNanos))
                    .ticker(nanoClock::getAsLong)
                    .build();
        }
        RateLimiter shared = upstream == null ? null : new RateLimiter(upstream.rate(), upstream.burst(), nanoClock);
        return new CallLimits(shared, perClient, clients, nanoClock);
    }

    /**
     * Takes a token for a call from this client.
     *
     * @return {@code null} when the call may go on, else the refusal to answer with (429)
     */
    public RateLimiter.Decision refusal(String clientAddress) {
        RateLimiter own = null;
        RateLimiter.Taken taken = null;
        if (clients != null) {
            own = clients.get(clientAddress, a -> new RateLimiter(perClient.rate(), perClient.burst(), nanoClock));
            taken = own.take();
            if (!taken.decision().allowed()) {
                return taken.decision();
            }
        }
        if (upstream != null) {
            RateLimiter.Decision shared = upstream.acquire();
            if (!shared.allowed()) {
                if (own != null) {
                    // No call was made: the client keeps its token for when the upstream has room.
                    own.giveBack(taken);
                }
                return shared;
            }
        }
        return null;
    }

    /** How many client buckets are held now (for tests and the status view). */
    public long trackedClients() {
        if (clients == null) {
            return 0;
        }
        clients.cleanUp();
        return clients.estimatedSize();
    }
}
