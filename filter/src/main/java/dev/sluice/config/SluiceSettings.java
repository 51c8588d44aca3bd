package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole, validated configuration of one Sluice filter, built by {@link SettingsParser} at
 * start and on each reload; nothing on the request path reads configuration. Every part compares
 * by value, so a reload can tell whether anything changed.
 *
 * @param routes every route, ordered by name
 * @param upstreams every upstream by name; each is referenced by at least one route
 * @param forwarding settings shared by every route
 * @param reloadInterval how often the configuration is read again, or {@code null} for never
 * @param redis the Redis where shared rate limits are counted, or {@code null}
 * @param ioThreads the filter's I/O threads, shared by its upstreams ({@code sluice.io-threads})
 */
public record SluiceSettings(
        List<RouteSettings> routes,
        Map<String, UpstreamSettings> upstreams,
        ForwardingSettings forwarding,
        Duration reloadInterval,
        RedisSettings redis,
        int ioThreads) {

    /** Settings without a Redis for shared rate limits. */
    public SluiceSettings(List<RouteSettings> routes, Map<String, UpstreamSettings> upstreams, ForwardingSettings forwarding,
            Duration reloadInterval) {
        this(routes, upstreams, forwarding, reloadInterval, null);
    }

    /** Settings with the default number of shared I/O threads: one per core, at most four. */
    public SluiceSettings(List<RouteSettings> routes, Map<String, UpstreamSettings> upstreams, ForwardingSettings forwarding,
            Duration reloadInterval, RedisSettings redis) {
        this(routes, upstreams, forwarding, reloadInterval, redis, Math.min(Runtime.getRuntime().availableProcessors(), 4));
    }

    public SluiceSettings {
        routes = List.copyOf(routes);
        upstreams = Map.copyOf(upstreams);
    }
}
