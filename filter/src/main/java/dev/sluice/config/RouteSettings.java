package dev.sluice.config;

/**
 * A path prefix whose requests go to an upstream.
 *
 * @param name the route's name in configuration
 * @param pathPrefix the prefix, starting with {@code /}, without a trailing slash unless it is {@code /}
 * @param upstream the upstream's name
 * @param stripPrefix whether the context path and prefix are removed from the forwarded path
 */
public record RouteSettings(String name, String pathPrefix, String upstream, boolean stripPrefix) {
}
