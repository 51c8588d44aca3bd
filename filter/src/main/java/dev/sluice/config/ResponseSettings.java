package dev.sluice.config;

import java.util.List;

/**
 * What Sluice changes in an upstream's responses before the client gets them.
 *
 * @param rules changes to the response headers, removals first
 * @param redirect which of the upstream's own URLs are rewritten to the client's view
 * @param redirectMap URL beginnings replaced as written, tried before the automatic rewriting
 * @param cookieDomains cookie domains replaced or, with an empty {@code to}, dropped
 */
public record ResponseSettings(List<HeaderRule> rules, RedirectMode redirect, List<Replacement> redirectMap,
        List<Replacement> cookieDomains) {

    public ResponseSettings {
        rules = List.copyOf(rules);
        redirectMap = List.copyOf(redirectMap);
        cookieDomains = List.copyOf(cookieDomains);
    }

    /** Whether the upstream's own URLs are rewritten on a route that does (or does not) strip its prefix. */
    public boolean rewritesUrls(boolean stripPrefix) {
        return redirect == RedirectMode.ON || redirect == RedirectMode.AUTO && stripPrefix;
    }

    /** Whether anything may change a response on such a route; when not, responses pass untouched. */
    public boolean appliesTo(boolean stripPrefix) {
        return !rules.isEmpty() || !redirectMap.isEmpty() || !cookieDomains.isEmpty() || rewritesUrls(stripPrefix);
    }
}
