package dev.sluice.routing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Finds the route for a request path: the longest configured prefix that matches whole path
 * segments, so {@code /api} matches {@code /api} and {@code /api/x} but not {@code /apix}.
 *
 * @param <T> what a route leads to
 */
public final class Router<T> {
    private final String[] prefixes;
    private final Object[] targets;

    /**
     * @param routes the routes
     * @param prefix the path prefix of a route, starting with '/', without a trailing '/' unless it is "/"
     */
    public Router(List<T> routes, Function<T, String> prefix) {
        List<T> ordered = routes.stream()
                .sorted(Comparator.comparingInt((T r) -> prefix.apply(r).length()).reversed())
                .toList();
        this.prefixes = ordered.stream().map(prefix).toArray(String[]::new);
        this.targets = ordered.toArray();
    }

    /**
     * @param path the request path inside the application, starting with '/'
     * @return the matching route, or {@code null} when the request is not for Sluice
     */
    @SuppressWarnings("unchecked")
    public T match(String path) {
        for (int i = 0; i < prefixes.length; i++) {
            if (matches(prefixes[i], path)) {
                return (T) targets[i];
            }
        }
        return null;
    }

    /** The routes, longest prefix first. */
    @SuppressWarnings("unchecked")
    public List<T> routes() {
        return (List<T>) List.of(targets);
    }

    static boolean matches(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        return path.length() == prefix.length() || prefix.length() == 1 || path.charAt(prefix.length()) == '/';
    }

    @Override
    public String toString() {
        return Arrays.toString(prefixes);
    }
}
