package dev.sluice.config;

import java.time.Duration;

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

    /** The URI with any password hidden, for logs. */
    public String redactedUri() {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
