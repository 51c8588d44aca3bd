package dev.sluice.forwarding;

import dev.sluice.container.ConsumedBody;
import dev.sluice.upstream.ThrottledLog;
import dev.sluice.routing.Route;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.Upstream;

import dev.sluice.config.ForwardingSettings;
import dev.sluice.limits.RateLimiter;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.BitSet;

import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.message.BasicHttpRequest;

/**
 * The entry to forwarding, one step per stage: the call rate limits, then one {@link ProxyExchange}
 * per admitted request.
 */
public final class Forwarder {
    private final RequestHeaders headers;
    private final ThrottledLog misconfiguration = new ThrottledLog(System.getLogger(Forwarder.class.getName()));
    private final BodyBuffers bodyBuffers;

    /** @param settings the settings shared by every route */
    public Forwarder(ForwardingSettings settings) {
        this.headers = new RequestHeaders(settings);
        this.bodyBuffers = new BodyBuffers(settings.requestBufferBytes());
    }

    /**
     * The address of the client behind the request: the peer, or for a trusted proxy the first
     * untrusted hop it reports. A proxy on the same host makes every client's peer a loopback
     * address, so a check by peer alone would let anyone through it.
     */
    public String clientAddress(HttpServletRequest request) {
        return headers.clientHop(request).address();
    }

    /**
     * Forwards the request to the route's upstream. Returns once the exchange is under way; the
     * response is written later, from other threads.
     *
     * @param pathInApplication the raw request path without the context path
     */
    public void forward(Route route, String pathInApplication, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (!request.isAsyncSupported()) {
            misconfiguration.log(System.Logger.Level.ERROR, () -> "Sluice cannot forward " + pathInApplication
                    + ": the filter, and every filter mapped before it, must be declared with <async-supported>true</async-supported>");
            response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, "Proxy filter misconfigured");
            return;
        }
        if (ConsumedBody.consumed(request)) {
            misconfiguration.log(System.Logger.Level.ERROR, () -> "Sluice cannot forward " + request.getMethod() + " "
                    + pathInApplication + ": something before it read the request body (a filter that parses"
                    + " parameters?). Map the Sluice filter first.");
            response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, "Proxy filter misconfigured");
            return;
        }
        RequestHeaders.ClientHop client = headers.clientHop(request);
        if (rateLimited(route, client, response)) {
            return;
        }
        // Each request in flight holds memory (a container processor, an upstream connection or a
        // place in the pool's queue) until it ends: beyond what the pool serves and the queue may
        // hold, waiting would only turn an overload into an exhausted heap. A soft bound: container
        // threads checking at the same instant may each get in.
        if (route.upstream().counters().exchanges() >= route.upstream().settings().maxInFlight()) {
            route.upstream().counters().countOverloaded();
            response.setHeader("Retry-After", "1");
            FailureAnswer.write(response, 503);
            return;
        }
        route.upstream().counters().countRequest();
        new ProxyExchange(route, pathInApplication, client, request, response, headers, bodyBuffers).start();
    }

    private static boolean rateLimited(Route route, RequestHeaders.ClientHop client, HttpServletResponse response)
            throws IOException {
        RateLimiter.Decision refusal = route.upstream().limits().refusal(client.address());
        if (refusal != null) {
            route.upstream().counters().countRateLimited();
            tooManyRequests(refusal, response);
            return true;
        }
        return false;
    }

    /**
     * For a request that leaves the exchange path (a WebSocket handshake): the route's call rate
     * limits, a refusal answered 429 here as for any request.
     *
     * @return whether the request was refused and answered
     */
    public boolean rateLimited(Route route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        return rateLimited(route, headers.clientHop(request), response);
    }

    /**
     * The head of a WebSocket handshake for the node, made as for any forwarded request (target,
     * Host mode, {@code Via}, {@code X-Forwarded-*}, the upstream's header rules), with the
     * {@code Upgrade} and {@code Connection} of this hop put back.
     */
    public HttpRequest handshake(Route route, String pathInApplication, HttpServletRequest request, Node node) {
        HttpRequest head = new BasicHttpRequest("GET", ProxyExchange.target(route, pathInApplication, request));
        headers.copy(request, head, route.upstream().settings(), node, headers.clientHop(request));
        head.setHeader("Connection", "Upgrade");
        head.setHeader("Upgrade", "websocket");
        return head;
    }

    /**
     * The node for a handshake's next attempt, as for any request: one not tried yet and in
     * rotation (or, with fail-open and all out, any untried one); {@code null} when none is left.
     */
    public static Node nextNode(Upstream upstream, String clientAddress, BitSet tried) {
        return RetryPolicy.nextNode(upstream, clientAddress, tried);
    }

    /** This hop's {@code Via} entry for answers relayed from an upstream. */
    public String responseVia() {
        return headers.responseVia();
    }

    /** The short plain-text answer Sluice gives for a failure of its own (429, 502, 503, 504, ...). */
    public static void answer(HttpServletResponse response, int status) throws IOException {
        FailureAnswer.write(response, status);
    }

    /** A 429 answered on the container thread: the upstream never hears of the request. */
    private static void tooManyRequests(RateLimiter.Decision refusal, HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
        response.setHeader("RateLimit-Limit", Integer.toString(refusal.limit()));
        response.setHeader("RateLimit-Remaining", Integer.toString(refusal.remaining()));
        response.setHeader("RateLimit-Reset", Long.toString(refusal.resetSeconds()));
        FailureAnswer.write(response, 429);
    }
}
