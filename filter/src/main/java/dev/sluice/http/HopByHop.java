package dev.sluice.http;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
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
    public static Set<String> caseInsensitive(String... names) {
        TreeSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(List.of(names));
        return Collections.unmodifiableSet(set);
    }

    /** Whether a header of this name is hop-by-hop whatever {@code Connection} says. */
    public static boolean isFixed(String name) {
        return FIXED.contains(name) || name.regionMatches(true, 0, "proxy-", 0, 6);
    }

    /** The names listed in the {@code Connection} header values (see below), or an empty set. */
    public static Set<String> namedByConnection(Enumeration<String> connectionValues) {
        if (connectionValues == null || !connectionValues.hasMoreElements()) {
            return Set.of();
        }
        return namedByConnection(connectionValues.asIterator());
    }

    /**
     * The names listed in the {@code Connection} header values, in any case, or an empty set.
     * The usual options ({@code keep-alive}, {@code close}) are left out: the first is hop-by-hop
     * anyway and the second names no header, so the common answer stays empty and costs nothing.
     */
    public static Set<String> namedByConnection(Iterator<String> connectionValues) {
        Set<String> names = Set.of();
        while (connectionValues.hasNext()) {
            for (String token : connectionValues.next().split(",")) {
                String name = token.trim();
                if (name.isEmpty() || name.equalsIgnoreCase("close") || isFixed(name)) {
                    continue;
                }
                if (names.isEmpty()) {
                    names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                }
                names.add(name);
            }
        }
        return names;
    }

    /** Whether the header must stay on this hop. */
    public static boolean isHopByHop(String name, Set<String> namedByConnection) {
        return isFixed(name) || namedByConnection.contains(name);
    }
}
