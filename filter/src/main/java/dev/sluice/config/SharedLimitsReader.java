package dev.sluice.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads where rate limits are counted: the filter's Redis, and each upstream's store and fallback. */
final class SharedLimitsReader {
    /** The forms the Redis store understands; the store's client checks the rest as it opens. */
    private static final Pattern URI = Pattern.compile(
            "(redis|rediss|redis-sentinel|rediss-sentinel|redis-cluster|rediss-cluster)://([^@/]*@)?"
                    + "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?(,(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?)*"
                    + "(/[0-9]*)?(#[^#\\s]+)?(\\?[^\\s]*)?");
    private static final String URI_FORMS = "redis://[:password@]host:port[/db], rediss://... (TLS),"
            + " redis-sentinel://[:password@]host:port[,host:port]/[db]#master, or redis-cluster://[:password@]host:port[,host:port]";

    private SharedLimitsReader() {
    }

    /** The upstream's limits with where they are counted. */
    static CallLimitSettings limits(KeyValues values, String upstream, RateLimitSettings upstreamWide, RateLimitSettings perClient) {
        LimitStore store = values.choice(Keys.LIMIT_STORE, upstream, LimitStore.class);
        if (store == LimitStore.LOCAL) {
            values.refuseAny(upstream, "only allowed together with " + Keys.LIMIT_STORE.in(upstream) + "=redis", Keys.LIMIT_FALLBACK);
            return new CallLimitSettings(upstreamWide, perClient);
        }
        if (upstreamWide == null && perClient == null) {
            throw new ConfigurationException(Keys.LIMIT_STORE.in(upstream), "redis", "only allowed together with "
                    + Keys.RATE_LIMIT.in(upstream) + " or " + Keys.CLIENT_RATE_LIMIT.in(upstream));
        }
        if (values.text(Keys.REDIS_URI, null).isEmpty()) {
            throw new ConfigurationException(Keys.LIMIT_STORE.in(upstream), "redis", "only allowed together with "
                    + Keys.REDIS_URI.in(null) + " (where to count)");
        }
        return new CallLimitSettings(upstreamWide, perClient, store, values.choice(Keys.LIMIT_FALLBACK, upstream, LimitFallback.class));
    }

    /** The filter's Redis, or {@code null} when no upstream counts there. */
    static RedisSettings redis(KeyValues values, Map<String, UpstreamSettings> upstreams) {
        Optional<String> uri = values.text(Keys.REDIS_URI, null);
        if (uri.isEmpty()) {
            values.refuseAny(null, "only allowed together with " + Keys.REDIS_URI.in(null), Keys.REDIS_TIMEOUT, Keys.REDIS_INSTANCES);
            return null;
        }
        String requiredBy = upstreams.values().stream().filter(u -> u.limits().shared()).findFirst()
                .map(u -> Keys.LIMIT_STORE.in(u.name())).orElse(null);
        RedisSettings settings = new RedisSettings(uri.get(), Duration.ofMillis(values.integer(Keys.REDIS_TIMEOUT, null)),
                values.integer(Keys.REDIS_INSTANCES, null, 0), Keys.REDIS_URI.in(null), requiredBy);
        if (!URI.matcher(uri.get()).matches()) {
            // The value is quoted without its password: errors go to logs.
            throw new ConfigurationException(Keys.REDIS_URI.in(null), settings.redactedUri(), URI_FORMS);
        }
        return requiredBy == null ? null : settings;
    }
}
