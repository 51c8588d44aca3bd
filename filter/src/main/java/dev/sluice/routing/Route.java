package dev.sluice.routing;

import dev.sluice.upstream.Upstream;

import dev.sluice.config.RouteSettings;

/**
 * A configured route bound to its running upstream.
 *
 * @param settings the route as configured
 * @param upstream where its requests go
 */
public record Route(RouteSettings settings, Upstream upstream) {

    /** The path prefix the route matches. */
    public String pathPrefix() {
        return settings.pathPrefix();
    }
}
