package dev.sluice.rewrite;

import dev.sluice.config.Replacement;

import java.util.List;

/**
 * A {@code Set-Cookie} value with its {@code Path} and {@code Domain} attributes rewritten for the
 * client and every other byte as the upstream wrote it: the name, the value (quoted or not) and the
 * other attributes in their order, {@code Expires} with its comma included. Nothing is parsed
 * into a cookie and written back, which would change quoting and order.
 */
public final class SetCookies {
    private SetCookies() {
    }

    /**
     * The value as the client should get it; the argument itself when nothing changes.
     *
     * @param prefix put before a {@code Path} (a path of {@code /} becomes the prefix alone), or ""
     *        to leave paths alone
     * @param domains the first rule whose {@code from} equals the domain (any case, a leading dot
     *        ignored) replaces it, or with an empty {@code to} drops the attribute
     */
    public static String rewrite(String setCookie, String prefix, List<Replacement> domains) {
        StringBuilder out = null;
        int copied = 0;
        for (int semi = setCookie.indexOf(';'); semi >= 0;) {
            int next = setCookie.indexOf(';', semi + 1);
            int end = next < 0 ? setCookie.length() : next;
            int nameStart = skipSpaces(setCookie, semi + 1, end);
            int equals = setCookie.indexOf('=', nameStart);
            if (equals > 0 && equals < end) {
                String name = setCookie.substring(nameStart, equals).trim();
                int valueStart = skipSpaces(setCookie, equals + 1, end);
                int valueEnd = end;
                while (valueEnd > valueStart && setCookie.charAt(valueEnd - 1) == ' ') {
                    valueEnd--;
                }
                String value = setCookie.substring(valueStart, valueEnd);
                String replaced = null;
                boolean drop = false;
                if (name.equalsIgnoreCase("Path") && !prefix.isEmpty() && value.startsWith("/")) {
                    replaced = value.equals("/") ? prefix : prefix + value;
                } else if (name.equalsIgnoreCase("Domain")) {
                    Replacement rule = domainRule(value, domains);
                    if (rule != null) {
                        drop = rule.to().isEmpty();
                        replaced = rule.to();
                    }
                }
                if (replaced != null) {
                    out = out == null ? new StringBuilder(setCookie.length() + prefix.length()) : out;
                    if (drop) {
                        out.append(setCookie, copied, semi);
                        copied = end;
                    } else {
                        out.append(setCookie, copied, valueStart).append(replaced);
                        copied = valueEnd;
                    }
                }
            }
            semi = next;
        }
        return out == null ? setCookie : out.append(setCookie, copied, setCookie.length()).toString();
    }

    private static Replacement domainRule(String domain, List<Replacement> domains) {
        String bare = domain.startsWith(".") ? domain.substring(1) : domain;
        for (Replacement rule : domains) {
            String from = rule.from().startsWith(".") ? rule.from().substring(1) : rule.from();
            if (from.equalsIgnoreCase(bare)) {
                return rule;
            }
        }
        return null;
    }

    private static int skipSpaces(String value, int from, int end) {
        int i = from;
        while (i < end && value.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
