package dev.sluice.status;

import java.util.Locale;

/**
 * Content negotiation between the status view's two forms by the rules of RFC 9110, section
 * 12.5.1: each form takes the quality of the most specific media range that matches it
 * ({@code text/html} over {@code text/*} over {@code *}{@code /*}), none matching is 0. The page goes
 * only to a client that prefers HTML strictly; JSON is the default for every tie, a missing header
 * and {@code *}{@code /*}, so the machines already reading the view keep getting it.
 */
final class AcceptHeader {
    private AcceptHeader() {
    }

    /** Whether the client asking with this {@code Accept} value (or {@code null}) is to get the page. */
    static boolean prefersHtml(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        return quality(accept, "text", "html") > quality(accept, "application", "json");
    }

    /** The quality the header gives {@code type/subtype}, in thousandths. */
    static int quality(String accept, String type, String subtype) {
        int bestSpecificity = -1;
        int quality = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String media = parts[0].trim().toLowerCase(Locale.ROOT);
            int slash = media.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String rangeType = media.substring(0, slash);
            String rangeSubtype = media.substring(slash + 1);
            int specificity;
            if (rangeType.equals(type) && rangeSubtype.equals(subtype)) {
                specificity = 2;
            } else if (rangeType.equals(type) && rangeSubtype.equals("*")) {
                specificity = 1;
            } else if (rangeType.equals("*") && rangeSubtype.equals("*")) {
                specificity = 0;
            } else {
                continue;
            }
            int q = q(parts);
            if (q >= 0 && specificity > bestSpecificity) {
                bestSpecificity = specificity;
                quality = q;
            }
        }
        return quality;
    }

    /** The range's {@code q} in thousandths: 1000 when absent, -1 when malformed (the range is then ignored). */
    private static int q(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            if (parameter.length() > 2 && (parameter.charAt(0) == 'q' || parameter.charAt(0) == 'Q') && parameter.charAt(1) == '=') {
                return thousandths(parameter.substring(2).trim());
            }
        }
        return 1000;
    }

    /** {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )} */
    private static int thousandths(String value) {
        if (!value.matches("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?")) {
            return -1;
        }
        if (value.charAt(0) == '1') {
            return 1000;
        }
        String decimals = (value.length() > 2 ? value.substring(2) : "") + "000";
        return Integer.parseInt(decimals.substring(0, 3));
    }
}
