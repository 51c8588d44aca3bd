package dev.sluice.forwarding;

import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place that knows which headers belong to a single connection and must never be
 * forwarded (RFC 9110 §7.6.1): the fixed set below plus every header named in {@code Connection}.
 * Both directions use it.
 */
public final class HopByHop {
    private static final Set<String> FIXED = caseInsensitive(
            "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
            "trailer", "proxy-authenticate", "proxy-authorization");

    private HopByHop() {
    }

    /**
     * A set of header names that finds a name in any case without lower-casing it first: every
     * header of every request and response is looked up, and a lower-cased copy per lookup was an
     * allocation per header.
     */
    static Set<String> caseInsensitive(String... names) {
        TreeSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(List.of(names));
        return Collections.unmodifiableSet(set);
    }

    /** Whether a header of this name is hop-by-hop whatever {@code Connection} says. */
    public static boolean isFixed(String name) {
        return FIXED.contains(name) || name.regionMatches(true, 0, "proxy-", 0, 6);
    }

    /** The lower-case names listed in the {@code Connection} header values, or an empty set. */
    static Set<String> namedByConnection(Enumeration<String> connectionValues) {
        if (connectionValues == null || !connectionValues.hasMoreElements()) {
            return Set.of();
        }
        return namedByConnection(connectionValues.asIterator());
    }

    /** The lower-case names listed in the {@code Connection} header values, or an empty set. */
    static Set<String> namedByConnection(Iterator<String> connectionValues) {
        if (!connectionValues.hasNext()) {
            return Set.of();
        }
        HashSet<String> names = new HashSet<>();
        while (connectionValues.hasNext()) {
            for (String token : connectionValues.next().split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** Whether the header must stay on this hop. */
    static boolean isHopByHop(String name, Set<String> namedByConnection) {
        return isFixed(name) || (!namedByConnection.isEmpty() && namedByConnection.contains(name.toLowerCase(Locale.ROOT)));
    }
}
