package dev.sluice.config;

import dev.sluice.http.HopByHop;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads what an upstream's responses get changed: header rules, redirects and cookie domains. */
final class ResponseReader {
    /** Headers a response rule may not touch besides the hop-by-hop ones: the container frames the body. */
    private static final Set<String> PROTECTED = HopByHop.caseInsensitive("content-length");

    private ResponseReader() {
    }

    static ResponseSettings response(KeyValues values, String upstream) {
        List<HeaderRule> rules = HeaderRulesReader.rules(values, upstream, Keys.REMOVE_RESPONSE_HEADERS,
                Keys.SET_RESPONSE_HEADER, Keys.ADD_RESPONSE_HEADER, PROTECTED,
                "not a hop-by-hop or framing header; those belong to the connection");
        return new ResponseSettings(rules, values.choice(Keys.REDIRECT_REWRITE, upstream, RedirectMode.class),
                replacements(values, Keys.REDIRECT_MAP, upstream), replacements(values, Keys.COOKIE_DOMAIN, upstream));
    }

    /** A list of {@code <from> -> <to>}, comma separated; {@code <to>} may be empty. */
    private static List<Replacement> replacements(KeyValues values, Key key, String upstream) {
        Optional<String> text = values.text(key, upstream);
        if (text.isEmpty()) {
            return List.of();
        }
        List<Replacement> list = new ArrayList<>();
        for (String entry : text.get().split(",")) {
            int arrow = entry.indexOf("->");
            String from = arrow < 0 ? "" : entry.substring(0, arrow).trim();
            String to = arrow < 0 ? "" : entry.substring(arrow + 2).trim();
            if (from.isEmpty() || !plain(from) || !plain(to) || to.contains("->")) {
                throw new ConfigurationException(key.in(upstream), text.get(),
                        "pairs of '<from> -> <to>', comma separated, without spaces or control characters inside"
                                + " (an empty <to> drops what <from> matched), e.g. http://app.internal:8080/ -> /shop/");
            }
            list.add(new Replacement(from, to));
        }
        return list;
    }

    private static boolean plain(String text) {
        return text.chars().allMatch(c -> c > 0x20 && c != 0x7f);
    }
}
