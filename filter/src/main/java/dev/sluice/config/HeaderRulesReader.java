package dev.sluice.config;

import dev.sluice.http.HopByHop;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an upstream's header rules, for requests ({@code request-headers.*}) or responses
 * ({@code response-headers.*}), with the same checks both ways: names are tokens, values free of
 * control characters, and the headers of the connection and the framing cannot be changed.
 */
final class HeaderRulesReader {
    static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    private HeaderRulesReader() {
    }

    /**
     * The rules of one direction: removals first, then set and add in the order of the keys.
     *
     * @param protectedHeaders besides the hop-by-hop headers, names a rule may not touch, any case
     * @param why what the refusal of a protected header says
     */
    static List<HeaderRule> rules(KeyValues values, String upstream, Key remove, Key set, Key add,
            Set<String> protectedHeaders, String why) {
        List<HeaderRule> rules = new ArrayList<>();
        String removeKey = remove.in(upstream);
        for (String header : values.text(removeKey).map(v -> v.split(",")).orElse(new String[0])) {
            rules.add(new HeaderRule(HeaderRule.Action.REMOVE, headerName(removeKey, header.trim(), protectedHeaders, why), null));
        }
        for (Key kind : List.of(set, add)) {
            String prefix = Key.Scope.UPSTREAM.prefix(upstream) + kind.patternPrefix();
            for (String name : values.namesStartingWith(prefix)) {
                String header = headerName(name, name.substring(prefix.length()), protectedHeaders, why);
                String headerValue = values.raw(name);
                if (headerValue.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                    throw new ConfigurationException(name, headerValue, "a header value without control characters");
                }
                HeaderRule.Action action = kind == set ? HeaderRule.Action.SET : HeaderRule.Action.ADD;
                rules.add(new HeaderRule(action, header, headerValue.trim()));
            }
        }
        return rules;
    }

    private static String headerName(String key, String header, Set<String> protectedHeaders, String why) {
        if (!TOKEN.matcher(header).matches()) {
            throw new ConfigurationException(key, header, "a header name (letters, digits and !#$%&'*+.^_`|~-)");
        }
        if (HopByHop.isFixed(header) || protectedHeaders.contains(header)) {
            throw new ConfigurationException(key, header, why);
        }
        return header;
    }
}
