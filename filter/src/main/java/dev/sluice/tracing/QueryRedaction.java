package dev.sluice.tracing;

import java.util.Locale;
import java.util.Set;

/**
 * A request target as a span may show it: the values of query parameters that carry credentials
 * replaced by {@code REDACTED}. The OpenTelemetry HTTP conventions ask this of {@code url.full}
 * for signed-URL parameters by default; tokens and keys passed in a query are as secret, and a
 * trace back end is read by more people than the upstream's own logs.
 */
final class QueryRedaction {
    static final String REDACTED = "REDACTED";
    /** Matched without regard to case: the conventions' four, then common names of tokens and keys. */
    private static final Set<String> SECRET = Set.of("awsaccesskeyid", "signature", "sig", "x-goog-signature",
            "x-amz-signature", "x-amz-credential", "x-amz-security-token", "access_token", "id_token", "refresh_token",
            "client_secret", "api_key", "apikey", "token", "password");

    private QueryRedaction() {
    }

    /** The path and query with secret parameters' values redacted; the same string when there are none. */
    static String redact(String target) {
        int query = target.indexOf('?');
        if (query < 0 || !mayHoldSecret(target, query)) {
            return target;
        }
        StringBuilder redacted = new StringBuilder(target.length()).append(target, 0, query + 1);
        int start = query + 1;
        while (true) {
            int end = target.indexOf('&', start);
            end = end < 0 ? target.length() : end;
            int equals = target.indexOf('=', start);
            if (equals > start && equals < end && secret(target.substring(start, equals))) {
                redacted.append(target, start, equals + 1).append(REDACTED);
            } else {
                redacted.append(target, start, end);
            }
            if (end == target.length()) {
                return redacted.toString();
            }
            redacted.append('&');
            start = end + 1;
        }
    }

    /** Whether any parameter is named as a secret: most targets have none, and are returned as they are. */
    private static boolean mayHoldSecret(String target, int query) {
        int start = query + 1;
        while (start < target.length()) {
            int end = target.indexOf('&', start);
            end = end < 0 ? target.length() : end;
            int equals = target.indexOf('=', start);
            if (equals > start && equals < end && secret(target.substring(start, equals))) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean secret(String name) {
        return SECRET.contains(name.toLowerCase(Locale.ROOT));
    }
}
