package dev.sluice.rewrite;

import dev.sluice.config.Replacement;

import java.util.List;

/**
 * URLs in {@code Location}, {@code Content-Location} and {@code Refresh} turned from the upstream's
 * view into the client's: a URL naming the upstream, or a path alone, gets the client's origin and
 * the prefix the route took off. Relative references and URLs to other hosts are already right
 * for the client and stay as they are. Each function returns its argument itself when nothing changes.
 */
public final class Locations {
    private Locations() {
    }

    /**
     * The URL as the client should see it.
     *
     * @param map replacements of URL beginnings, tried first; the first that matches decides
     * @param view the exchange, or {@code null} when only {@code map} applies
     */
    public static String rewrite(String url, List<Replacement> map, ClientView view) {
        for (Replacement replacement : map) {
            String from = replacement.from();
            if (url.regionMatches(true, 0, from, 0, from.length())) {
                return replacement.to() + url.substring(from.length());
            }
        }
        return view == null ? url : toClient(url, view);
    }

    private static String toClient(String url, ClientView view) {
        if (url.startsWith("/") && !url.startsWith("//")) {
            return view.prefix().isEmpty() ? url : view.prefix() + url;
        }
        int defaultPort = url.regionMatches(true, 0, "http://", 0, 7) ? 80
                : url.regionMatches(true, 0, "https://", 0, 8) ? 443 : -1;
        if (defaultPort < 0) {
            return url;
        }
        int start = defaultPort == 80 ? 7 : 8;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        if (!namesUpstream(url.substring(start, end), defaultPort, view)) {
            return url;
        }
        String rest = url.substring(end);
        String origin = view.clientOrigin();
        return (origin == null ? "" : origin) + view.prefix() + (rest.startsWith("/") ? rest : "/" + rest);
    }

    private static boolean namesUpstream(String authority, int defaultPort, ClientView view) {
        if (authority.indexOf('@') >= 0 || authority.isEmpty()) {
            return false;
        }
        int close = authority.startsWith("[") ? authority.indexOf(']') : -1;
        int colon = authority.indexOf(':', Math.max(close, 0));
        String host = close > 0 ? authority.substring(1, close) : colon < 0 ? authority : authority.substring(0, colon);
        int port = defaultPort;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return view.namesUpstream(host, port);
    }

    /**
     * A {@code Refresh} value ({@code 5; url=/next}, the URL possibly quoted) with its URL rewritten
     * as {@link #rewrite}; a value without a URL stays as it is.
     */
    public static String refresh(String value, List<Replacement> map, ClientView view) {
        int separator = indexOfAny(value, ";,");
        if (separator < 0) {
            return value;
        }
        int start = skipSpaces(value, separator + 1);
        if (value.regionMatches(true, start, "url", 0, 3)) {
            int equals = skipSpaces(value, start + 3);
            if (equals < value.length() && value.charAt(equals) == '=') {
                start = skipSpaces(value, equals + 1);
            }
        }
        int end = value.length();
        while (end > start && value.charAt(end - 1) == ' ') {
            end--;
        }
        if (start < end && (value.charAt(start) == '"' || value.charAt(start) == '\'')) {
            int close = value.lastIndexOf(value.charAt(start), end - 1);
            if (close > start) {
                start++;
                end = close;
            }
        }
        String url = value.substring(start, end);
        String rewritten = rewrite(url, map, view);
        return rewritten == url ? value : value.substring(0, start) + rewritten + value.substring(end);
    }

    private static int indexOfAny(String value, String chars) {
        for (int i = 0; i < value.length(); i++) {
            if (chars.indexOf(value.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(String value, int from) {
        int i = from;
        while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
