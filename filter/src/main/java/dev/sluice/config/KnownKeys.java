package dev.sluice.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds every name under {@code sluice.} to {@link Keys}: an unknown one (usually a typo) is
 * refused with the nearest known key of its scope, when one is near, and the routes and upstreams
 * are found from the names.
 */
final class KnownKeys {
    private static final Pattern NAMED_KEY = Pattern.compile("sluice\\.(route|upstream)\\.([A-Za-z0-9_-]+)\\.(.+)");

    /** The names of the routes and upstreams the keys define, in key order. */
    record Owners(Set<String> routes, Set<String> upstreams) {
    }

    private KnownKeys() {
    }

    /** Checks every name and collects the routes and upstreams they define. */
    static Owners check(KeyValues values) {
        Set<String> routes = new LinkedHashSet<>();
        Set<String> upstreams = new LinkedHashSet<>();
        for (String name : values.names()) {
            Matcher m = NAMED_KEY.matcher(name);
            Key.Scope scope = !m.matches() ? Key.Scope.FILTER
                    : m.group(1).equals("route") ? Key.Scope.ROUTE : Key.Scope.UPSTREAM;
            String owner = scope == Key.Scope.FILTER ? null : m.group(2);
            String suffix = name.substring(scope.prefix(owner).length());
            if (Keys.of(scope).stream().noneMatch(k -> k.matches(suffix))) {
                throw new ConfigurationException(name, values.text(name).orElse(""), unknown(scope, owner, suffix));
            }
            if (scope != Key.Scope.FILTER) {
                (scope == Key.Scope.ROUTE ? routes : upstreams).add(owner);
            }
        }
        return new Owners(routes, upstreams);
    }

    private static String unknown(Key.Scope scope, String owner, String suffix) {
        List<String> known = Keys.of(scope).stream().map(Key::name).sorted().toList();
        String accepted = switch (scope) {
            case ROUTE -> "a route accepts " + String.join(", ", known);
            case UPSTREAM -> "an upstream accepts " + String.join(", ", known);
            case FILTER -> "known are sluice.route.<name>.*, sluice.upstream.<name>.* and "
                    + String.join(", ", known.stream().map(k -> Key.Scope.FILTER.pattern() + k).toList());
        };
        String nearest = nearest(scope, suffix);
        return "unknown key; " + (nearest == null ? accepted
                : "did you mean " + scope.prefix(owner) + nearest + "? (" + accepted + ")");
    }

    /** The known name of this scope nearest to {@code suffix}, or {@code null} when none is near. */
    static String nearest(Key.Scope scope, String suffix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key key : Keys.of(scope)) {
            String candidate = key.isPattern() ? withHeaderName(key, suffix) : key.name();
            if (candidate == null) {
                continue;
            }
            // Only the fixed part is compared: the header name is the user's own, and the cost of
            // comparing grows with the product of the lengths (a key of megabytes would exhaust
            // the heap). Edits are never fewer than the difference in length.
            String fixed = key.isPattern() ? key.patternPrefix() : candidate;
            String typed = suffix.substring(0, suffix.length() - (candidate.length() - fixed.length()));
            if (Math.abs(typed.length() - fixed.length()) > tolerance(candidate)) {
                continue;
            }
            int distance = distance(typed, fixed);
            if (distance < bestDistance && distance <= tolerance(candidate)) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /**
     * How many edits still read as a typo of a name: one for a short name, up to three for a long
     * one; more, and the suggestion would be a guess.
     */
    private static int tolerance(String name) {
        return Math.max(1, Math.min(3, name.length() / 4));
    }

    /** The pattern key completed with the header name that ends {@code suffix}, if it has one. */
    private static String withHeaderName(Key key, String suffix) {
        int dots = (int) key.patternPrefix().chars().filter(c -> c == '.').count();
        String[] parts = suffix.split("\\.", dots + 1);
        return parts.length == dots + 1 && !parts[dots].isEmpty() ? key.patternPrefix() + parts[dots] : null;
    }

    /** Edits (insert, delete, replace, swap of neighbours) that turn {@code a} into {@code b}. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
