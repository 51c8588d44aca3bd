package dev.sluice.reload;

import dev.sluice.config.SluiceSettings;
import dev.sluice.config.StatusSettings;
import dev.sluice.forwarding.Forwarder;
import dev.sluice.observe.Observers;
import dev.sluice.routing.Route;
import dev.sluice.upstream.Upstream;
import dev.sluice.routing.Router;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything the request path reads, built from one configuration and never changed afterwards.
 * A reload builds a new one and swaps it in whole, so a request sees one configuration from its
 * start to its end, and an exchange keeps the upstream it started with.
 *
 * @param settings the configuration it was built from
 * @param router the routes, each bound to its running upstream
 * @param forwarder forwarding with the settings shared by every route
 * @param upstreams every running upstream, ordered by name
 */
public record Snapshot(SluiceSettings settings, Router<Route> router, Forwarder forwarder, List<Upstream> upstreams) {

    public Snapshot {
        upstreams = List.copyOf(upstreams);
    }

    /** Binds the settings' routes to these upstreams, one for each upstream of the settings. */
    static Snapshot of(SluiceSettings settings, List<Upstream> upstreams) {
        return of(settings, upstreams, Observers.NONE);
    }

    /** As {@link #of(SluiceSettings, List)}, with forwarding telling these observers of each exchange. */
    static Snapshot of(SluiceSettings settings, List<Upstream> upstreams, Observers observers) {
        Map<String, Upstream> byName = upstreams.stream().collect(Collectors.toMap(Upstream::name, Function.identity()));
        List<Route> routes = settings.routes().stream()
                .map(route -> new Route(route, byName.get(route.upstream())))
                .toList();
        return new Snapshot(settings, new Router<>(routes, Route::pathPrefix), new Forwarder(settings.forwarding(), observers),
                upstreams.stream().sorted(Comparator.comparing(Upstream::name)).toList());
    }

    /** The JSON status view's settings. */
    public StatusSettings status() {
        return settings.forwarding().status();
    }

    /** The running upstream of this name, or {@code null}. */
    Upstream upstream(String name) {
        int at = Collections.binarySearch(upstreams, name, (u, n) -> ((Upstream) u).name().compareTo((String) n));
        return at < 0 ? null : upstreams.get(at);
    }
}
