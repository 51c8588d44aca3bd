package dev.sluice.routing;

/**
 * Rules for the raw request path Sluice forwards byte for byte. Routes are matched on the raw
 * path, so a path the upstream could resolve to somewhere else than the container did (dot
 * segments, also percent-encoded, and encoded slashes or backslashes next to them) is refused
 * rather than guessed at.
 */
public final class RequestPaths {
    private RequestPaths() {
    }

    /**
     * The path inside the application: the raw request URI without the context path, or
     * {@code null} when the URI does not start with the context path as sent (only possible when
     * the context path itself was percent-encoded by the client).
     */
    public static String inApplication(String rawUri, String contextPath) {
        if (contextPath.isEmpty()) {
            return rawUri;
        }
        if (!rawUri.startsWith(contextPath)) {
            return null;
        }
        String path = rawUri.substring(contextPath.length());
        return path.isEmpty() ? "/" : path;
    }

    /**
     * The path routes are matched on: the raw path without path parameters ({@code ;jsessionid=...}
     * after a segment) and with empty segments ({@code //}) merged, as the container maps it. A
     * route then gets {@code /api;v=1/x} and {@code //api/x} as the container would give the
     * application {@code /api/x}, instead of the application getting a request meant for the
     * upstream. The same instance when there is nothing to take out.
     */
    public static String forMatching(String rawPath) {
        if (rawPath.indexOf(';') < 0 && !rawPath.contains("//")) {
            return rawPath;
        }
        StringBuilder path = new StringBuilder(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c == ';') {
                int next = rawPath.indexOf('/', i);
                i = (next < 0 ? rawPath.length() : next) - 1;
            } else if (c != '/' || path.length() == 0 || path.charAt(path.length() - 1) != '/') {
                path.append(c);
            }
        }
        return path.toString();
    }

    /** Whether the path begins with the prefix's whole segments, as written. */
    public static boolean startsWithSegments(String path, String prefix) {
        return prefix.equals("/") || path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    /** Whether the raw path has no segment that is {@code .} or {@code ..}, however it is encoded. */
    public static boolean isUnambiguous(String rawPath) {
        String decoded = decodeSeparatorsAndDots(rawPath);
        int start = 0;
        while (start <= decoded.length()) {
            int end = nextSeparator(decoded, start);
            int length = end - start;
            if ((length == 1 || length == 2) && decoded.startsWith("..".substring(0, length), start)) {
                return false;
            }
            start = end + 1;
        }
        return true;
    }

    private static int nextSeparator(String path, int from) {
        for (int i = from; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/' || c == '\\' || c == ';') {
                return i;
            }
        }
        return path.length();
    }

    private static String decodeSeparatorsAndDots(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                String code = raw.substring(i + 1, i + 3).toUpperCase(java.util.Locale.ROOT);
                char decoded = switch (code) {
                    case "2E" -> '.';
                    case "2F" -> '/';
                    case "5C" -> '\\';
                    case "3B" -> ';';
                    default -> 0;
                };
                if (decoded != 0) {
                    out.append(decoded);
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
