package dev.sluice.forwarding;

import dev.sluice.http.HopByHop;
import dev.sluice.upstream.Node;

import dev.sluice.config.ForwardingSettings;
import dev.sluice.config.HeaderRule;
import dev.sluice.config.HostMode;
import dev.sluice.config.UpstreamSettings;

import jakarta.servlet.http.HttpServletRequest;

import java.util.Enumeration;
import java.util.Set;

import org.apache.hc.core5.http.HttpRequest;

/**
 * Copies the client's request headers onto the upstream request: everything end-to-end passes,
 * hop-by-hop headers stay behind, framing is left to the entity, and the headers that describe the
 * client ({@code Via}, {@code X-Forwarded-*}, {@code Forwarded}) are written by us: appended to when
 * the peer is a trusted proxy, replaced when it is not. Other proxy claims ({@code X-Forwarded-*}
 * beyond ours, {@code X-Real-IP}) pass from trusted proxies only.
 */
final class RequestHeaders {
    /** Headers that are set by us rather than copied. */
    private static final Set<String> OURS = HopByHop.caseInsensitive(
            "host", "content-length", "expect", "via", "forwarded",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port");

    private final ForwardingSettings forwarding;
    /** This hop's {@code Via} entries for the protocols clients use, made once rather than per request. */
    private final String http11Hop;
    private final String http2Hop;

    RequestHeaders(ForwardingSettings forwarding) {
        this.forwarding = forwarding;
        this.http11Hop = hop("HTTP/1.1");
        this.http2Hop = hop("HTTP/2.0");
    }

    /** This hop's {@code Via} entry for responses, which always come from HTTP/1.1 upstreams. */
    String responseVia() {
        return http11Hop;
    }

    /**
     * Writes every header of the upstream request.
     *
     * @param from the client's request
     * @param to the upstream request, without headers yet
     * @param upstream the upstream's settings, for the Host mode
     * @param node the node the request goes to
     * @param client who sent the request, as {@link #clientHop} decided once for the exchange
     */
    void copy(HttpServletRequest from, HttpRequest to, UpstreamSettings upstream, Node node, ClientHop client) {
        Set<String> named = HopByHop.namedByConnection(from.getHeaders("Connection"));
        for (Enumeration<String> names = from.getHeaderNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            // CGI, PHP and WSGI upstreams read X_Forwarded_For as X-Forwarded-For: judged as one.
            String asRead = name.indexOf('_') < 0 ? name : name.replace('_', '-');
            if (OURS.contains(asRead) || HopByHop.isHopByHop(name, named) || !client.trusted() && claimsAProxyHop(asRead)) {
                continue;
            }
            for (Enumeration<String> values = from.getHeaders(name); values.hasMoreElements();) {
                to.addHeader(name, values.nextElement());
            }
        }
        String clientHost = clientAuthority(from);
        to.setHeader("Host", host(upstream, node, clientHost));
        to.setHeader("Via", via(from.getHeader("Via"), from.getProtocol()));

        String peer = client.peer();
        boolean trusted = client.trusted();
        String forwardedFor = joined(from.getHeaders("X-Forwarded-For"));
        to.setHeader("X-Forwarded-For", trusted && forwardedFor != null ? forwardedFor + ", " + peer : peer);
        setForwarded(to, "X-Forwarded-Proto", trusted, from.getHeader("X-Forwarded-Proto"), from.getScheme());
        if (clientHost != null) {
            setForwarded(to, "X-Forwarded-Host", trusted, from.getHeader("X-Forwarded-Host"), clientHost);
        }
        setForwarded(to, "X-Forwarded-Port", trusted, from.getHeader("X-Forwarded-Port"),
                Integer.toString(from.getServerPort()));
        if (forwarding.forwardedHeader()) {
            String element = forwardedElement(peer, from.getScheme(), clientHost);
            String existing = joined(from.getHeaders("Forwarded"));
            to.setHeader("Forwarded", trusted && existing != null ? existing + ", " + element : element);
        }
        for (HeaderRule rule : upstream.headers().rules()) {
            switch (rule.action()) {
                case REMOVE -> to.removeHeaders(rule.name());
                case SET -> to.setHeader(rule.name(), rule.value());
                case ADD -> to.addHeader(rule.name(), rule.value());
            }
        }
    }

    /**
     * Whether the header is one a proxy sets about its client ({@code X-Forwarded-Prefix},
     * {@code X-Forwarded-Server}, {@code X-Real-IP}, ...): believed from trusted proxies only, like
     * the ones Sluice writes, since applications trust them (Spring's ForwardedHeaderFilter builds
     * links from {@code X-Forwarded-Prefix}).
     */
    private static boolean claimsAProxyHop(String name) {
        return name.regionMatches(true, 0, "X-Forwarded-", 0, 12) || name.equalsIgnoreCase("X-Real-IP");
    }

    /**
     * Who sent a request, decided once per exchange: the rate limits and the balancer key on
     * {@code address}, and the forwarding headers extend what a trusted peer reported.
     *
     * @param peer the address of the connection's other end
     * @param trusted whether the peer is a trusted proxy, whose forwarding headers are kept
     * @param address the client's address: the peer, or for a trusted proxy the first untrusted hop it reports
     */
    record ClientHop(String peer, boolean trusted, String address) {
    }

    /** The {@link ClientHop} of this request. */
    ClientHop clientHop(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (!forwarding.trustedProxies().trusts(peer)) {
            return new ClientHop(peer, false, peer);
        }
        return new ClientHop(peer, true,
                forwarding.trustedProxies().clientAddress(peer, joined(request.getHeaders("X-Forwarded-For"))));
    }

    /**
     * The host and port the client addressed: its {@code Host} header, or for an HTTP/2 request,
     * which carries them as {@code :authority}, the server name and port the container took from
     * it (Tomcat makes no {@code Host} header of it). The port is left out when it is the scheme's
     * default, as clients send it. {@code null} for an HTTP/1.0 request without {@code Host}.
     */
    static String clientAuthority(HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host != null || !request.getProtocol().startsWith("HTTP/2")) {
            return host;
        }
        String name = request.getServerName();
        if (name.indexOf(':') >= 0 && name.charAt(0) != '[') {
            name = "[" + name + "]";
        }
        int port = request.getServerPort();
        boolean defaultPort = port == ("https".equalsIgnoreCase(request.getScheme()) ? 443 : 80);
        return defaultPort || port <= 0 ? name : name + ":" + port;
    }

    private static String host(UpstreamSettings upstream, Node node, String clientHost) {
        HostMode mode = upstream.headers().hostMode();
        if (mode == HostMode.PASS && clientHost != null) {
            return clientHost;
        }
        return mode == HostMode.REWRITE ? upstream.headers().hostRewrite() : node.hostHeader();
    }

    /** The {@code Via} value with this hop appended. */
    private String via(String existing, String protocol) {
        String hop = "HTTP/1.1".equals(protocol) ? http11Hop : "HTTP/2.0".equals(protocol) ? http2Hop : hop(protocol);
        return existing == null ? hop : existing + ", " + hop;
    }

    /**
     * This hop's {@code Via} entry for a request of this protocol. HTTP/2 has a major version only
     * (RFC 9113, 3: "2"), though containers report {@code HTTP/2.0}.
     */
    private String hop(String protocol) {
        String version = protocol != null && protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
        return ("2.0".equals(version) ? "2" : version) + " " + forwarding.viaPseudonym();
    }

    private static void setForwarded(HttpRequest to, String name, boolean trusted, String received, String ours) {
        to.setHeader(name, trusted && received != null ? received : ours);
    }

    private static String forwardedElement(String peer, String scheme, String host) {
        String node = peer.indexOf(':') >= 0 ? "\"[" + peer + "]\"" : peer;
        StringBuilder element = new StringBuilder("for=").append(node).append(";proto=").append(scheme);
        if (host != null) {
            element.append(";host=\"").append(host.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return element.toString();
    }

    private static String joined(Enumeration<String> values) {
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String first = values.nextElement();
        if (!values.hasMoreElements()) {
            return first;
        }
        StringBuilder all = new StringBuilder(first);
        while (values.hasMoreElements()) {
            all.append(", ").append(values.nextElement());
        }
        return all.toString();
    }
}
