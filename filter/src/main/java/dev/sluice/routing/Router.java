package dev.sluice.routing;

import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Finds the route for a request path: the longest configured prefix that matches whole path
 * segments, so {@code /api} matches {@code /api} and {@code /api/x} but not {@code /apix}.
 *
 * <p>Every request to the application passes through here, routed or not, so the cost must not
 * grow with the number of routes: the prefixes are kept by segment ({@link SegmentTrie}) and the
 * path's segments are looked up from the start, one table lookup each, until none continues.
 * (Looking up the path's own prefixes from the longest, in one map, also did not depend on the
 * number of routes, but with thousands of them nearly every length had a prefix, and a routed
 * request cost several substrings and lookups: five times the time of ten routes.)
 *
 * @param <T> what a route leads to
 */
public final class Router<T> {
    private final List<T> ordered;
    private final SegmentTrie<T> byPrefix = new SegmentTrie<>();

    /**
     * @param routes the routes; of two with the same prefix, the first is used
     * @param prefix the path prefix of a route, starting with '/', without a trailing '/' unless it is "/"
     */
    public Router(List<T> routes, Function<T, String> prefix) {
        this.ordered = routes.stream()
                .sorted(Comparator.comparingInt((T r) -> prefix.apply(r).length()).reversed())
                .toList();
        for (T route : routes) {
            byPrefix.putIfAbsent(prefix.apply(route), route);
        }
    }

    /**
     * @param path the request path inside the application, starting with '/'
     * @return the matching route, or {@code null} when the request is not for Sluice
     */
    public T match(String path) {
        return byPrefix.longestMatch(path);
    }

    /** The routes, longest prefix first. */
    public List<T> routes() {
        return ordered;
    }
}
