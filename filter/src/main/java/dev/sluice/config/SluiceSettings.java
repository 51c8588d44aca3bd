package dev.sluice.config;

import java.util.List;
import java.util.Map;

/**
 * The whole, validated configuration of one Sluice filter. Built once at start by
 * {@link SettingsParser}; nothing on the request path reads configuration again.
 *
 * @param routes every route, in no particular order
 * @param upstreams every upstream by name; each is referenced by at least one route
 * @param forwarding settings shared by every route
 */
public record SluiceSettings(
        List<RouteSettings> routes,
        Map<String, UpstreamSettings> upstreams,
        ForwardingSettings forwarding) {

    public SluiceSettings {
        routes = List.copyOf(routes);
        upstreams = Map.copyOf(upstreams);
    }
}
