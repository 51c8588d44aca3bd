package dev.sluice.routing;

import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds the route for a request path: the longest configured prefix that matches whole path
 * segments, so {@code /api} matches {@code /api} and {@code /api/x} but not {@code /apix}.
 *
 * <p>Every request to the application passes through here, routed or not, so the cost must not
 * grow with the number of routes: the path's own segment boundaries are tried from the longest,
 * and only at lengths some prefix has is the prefix looked up (a request for the application's
 * pages usually needs no lookup at all).
 *
 * @param <T> what a route leads to
 */
public final class Router<T> {
    private final List<T> ordered;
    private final Map<String, T> byPrefix = new HashMap<>();
    private final BitSet prefixLengths = new BitSet();
    private final T root;

    /**
     * @param routes the routes; of two with the same prefix, the first is used
     * @param prefix the path prefix of a route, starting with '/', without a trailing '/' unless it is "/"
     */
    public Router(List<T> routes, Function<T, String> prefix) {
        this.ordered = routes.stream()
                .sorted(Comparator.comparingInt((T r) -> prefix.apply(r).length()).reversed())
                .toList();
        T rootRoute = null;
        for (T route : routes) {
            String p = prefix.apply(route);
            if (p.equals("/")) {
                if (rootRoute == null) {
                    rootRoute = route;
                }
            } else if (byPrefix.putIfAbsent(p, route) == null) {
                prefixLengths.set(p.length());
            }
        }
        this.root = rootRoute;
    }

    /**
     * @param path the request path inside the application, starting with '/'
     * @return the matching route, or {@code null} when the request is not for Sluice
     */
    public T match(String path) {
        // A boundary is the end of the path or a '/' in it; the prefix is everything before it.
        for (int end = path.length(); end > 0; end = path.lastIndexOf('/', end - 1)) {
            if (prefixLengths.get(end)) {
                T route = byPrefix.get(path.substring(0, end));
                if (route != null) {
                    return route;
                }
            }
        }
        return root;
    }

    /** The routes, longest prefix first. */
    public List<T> routes() {
        return ordered;
    }
}
