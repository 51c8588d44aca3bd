package dev.sluice.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The Redis that counts shared rate limits, for the whole filter.
 *
 * @param uri where it is: {@code redis://}, {@code rediss://} (TLS), {@code redis-sentinel://} or
 *        {@code redis-cluster://} (and {@code rediss-cluster://}), optionally with a password
 * @param timeout how long a decision may take before the store counts as down
 * @param instances the instances of the application sharing the limits, for the local fallback's
 *        share of the rate; 0 when counted through Redis
 * @param uriKey the full key of {@code uri}, for errors
 * @param requiredBy the full key that asked for Redis (an upstream's {@code rate-limit.store}), for errors
 */
public record RedisSettings(String uri, Duration timeout, int instances, String uriKey, String requiredBy) {

    /**
     * Whether a store opened with these settings serves the other ones too: the same Redis and the
     * same bound. The instances and the key that asked for it are read from the settings as they
     * change, without a new connection.
     */
    public boolean sameStore(RedisSettings other) {
        return other != null && uri.equals(other.uri) && timeout.equals(other.timeout);
    }

    /*
     * Written out rather than generated: on JDK 17 a record's first generated equals leaves its
     * class in a JDK-wide method handle cache, where it held an undeployed application's class
     * loader until another record's equals was first called.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof RedisSettings that && sameStore(that) && instances == that.instances && uriKey.equals(that.uriKey)
                && Objects.equals(requiredBy, that.requiredBy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uri, timeout, instances, uriKey, requiredBy);
    }

    /** The URI with any password hidden, for logs. */
    public String redactedUri() {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
