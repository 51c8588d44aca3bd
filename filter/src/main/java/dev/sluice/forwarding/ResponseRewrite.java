package dev.sluice.forwarding;

import dev.sluice.config.HeaderRule;
import dev.sluice.config.HostMode;
import dev.sluice.config.NodeSettings;
import dev.sluice.config.ResponseSettings;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.rewrite.ClientView;
import dev.sluice.rewrite.Locations;
import dev.sluice.rewrite.SetCookies;
import dev.sluice.routing.Route;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The changes one exchange's response head gets: the upstream's header rules, and its own URLs
 * and cookie scopes put in the client's view. Made only for an exchange whose upstream and route
 * have something to change; the client's origin and the prefix are worked out when a header
 * first needs them.
 */
final class ResponseRewrite implements ClientView {
    private final ResponseSettings settings;
    private final UpstreamSettings upstream;
    private final HttpServletRequest request;
    private final boolean clientTrusted;
    private final boolean stripsPrefix;
    private final String routePrefix;
    /** {@code this} when the upstream's own URLs are rewritten, else {@code null}: only the map applies. */
    private final ClientView urls;
    private String prefix;
    private String origin;
    private boolean originKnown;

    private ResponseRewrite(UpstreamSettings upstream, Route route, HttpServletRequest request, boolean clientTrusted) {
        this.settings = upstream.response();
        this.upstream = upstream;
        this.request = request;
        this.clientTrusted = clientTrusted;
        this.stripsPrefix = route.settings().stripPrefix();
        this.routePrefix = route.pathPrefix();
        this.urls = settings.rewritesUrls(stripsPrefix) ? this : null;
    }

    /** The rewrite for an exchange on this route, or {@code null} when its responses pass untouched. */
    static ResponseRewrite of(Route route, HttpServletRequest request, boolean clientTrusted) {
        UpstreamSettings upstream = route.upstream().settings();
        return upstream.response().appliesTo(route.settings().stripPrefix())
                ? new ResponseRewrite(upstream, route, request, clientTrusted) : null;
    }

    /** Whether a rule removes the upstream's values of this header. */
    boolean removes(String name) {
        for (HeaderRule rule : settings.rules()) {
            if (rule.action() == HeaderRule.Action.REMOVE && rule.name().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** The upstream's header value as the client gets it. */
    String value(String name, String value) {
        if (name.equalsIgnoreCase("Set-Cookie")) {
            String pathPrefix = urls == null ? "" : prefix();
            return pathPrefix.isEmpty() && settings.cookieDomains().isEmpty() ? value
                    : SetCookies.rewrite(value, pathPrefix, settings.cookieDomains());
        }
        if (name.equalsIgnoreCase("Location") || name.equalsIgnoreCase("Content-Location")) {
            return Locations.rewrite(value, settings.redirectMap(), urls);
        }
        if (name.equalsIgnoreCase("Refresh")) {
            return Locations.refresh(value, settings.redirectMap(), urls);
        }
        return value;
    }

    /** Sets and adds the configured headers, after the upstream's were copied. */
    void setAndAdd(HttpServletResponse response) {
        for (HeaderRule rule : settings.rules()) {
            switch (rule.action()) {
                case SET -> response.setHeader(rule.name(), rule.value());
                case ADD -> response.addHeader(rule.name(), rule.value());
                case REMOVE -> { }
            }
        }
    }

    @Override
    public boolean namesUpstream(String host, int port) {
        for (NodeSettings node : upstream.nodes()) {
            if (node.port() == port && sameHost(node.host(), host)) {
                return true;
            }
        }
        HostMode mode = upstream.headers().hostMode();
        String sent = mode == HostMode.REWRITE ? upstream.headers().hostRewrite()
                : mode == HostMode.PASS ? RequestHeaders.clientAuthority(request) : null;
        if (sent == null) {
            return false;
        }
        int colon = sent.lastIndexOf(':');
        boolean withPort = colon > sent.lastIndexOf(']');
        String sentHost = withPort ? sent.substring(0, colon) : sent;
        int defaultPort = "https".equalsIgnoreCase(mode == HostMode.PASS ? request.getScheme() : upstream.scheme().id()) ? 443 : 80;
        return sameHost(sentHost, host) && (withPort ? sent.substring(colon + 1).equals(Integer.toString(port)) : port == defaultPort);
    }

    private static boolean sameHost(String configured, String written) {
        String bare = configured.startsWith("[") ? configured.substring(1, configured.length() - 1) : configured;
        return bare.equalsIgnoreCase(written);
    }

    @Override
    public String clientOrigin() {
        if (!originKnown) {
            String scheme = clientTrusted ? first(request.getHeader("X-Forwarded-Proto")) : null;
            String host = clientTrusted ? first(request.getHeader("X-Forwarded-Host")) : null;
            host = host != null ? host : RequestHeaders.clientAuthority(request);
            origin = host == null ? null : (scheme != null ? scheme : request.getScheme()) + "://" + host;
            originKnown = true;
        }
        return origin;
    }

    @Override
    public String prefix() {
        if (prefix == null) {
            // What strip-prefix took off the path: the context path as the client sent it, and the route's prefix.
            prefix = !stripsPrefix ? "" : request.getContextPath() + (routePrefix.equals("/") ? "" : routePrefix);
        }
        return prefix;
    }

    /** The first of a header's comma separated values, or {@code null}. */
    private static String first(String value) {
        if (value == null) {
            return null;
        }
        int comma = value.indexOf(',');
        String first = (comma < 0 ? value : value.substring(0, comma)).trim();
        return first.isEmpty() ? null : first;
    }
}
