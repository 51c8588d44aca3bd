package dev.sluice.tunnel;

import dev.sluice.config.Scheme;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.config.WebSocketSettings;
import dev.sluice.container.UpgradedConnection;
import dev.sluice.forwarding.Forwarder;
import dev.sluice.http.HopByHop;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.routing.Route;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.ThrottledLog;
import dev.sluice.upstream.TunnelCounters.Closer;
import dev.sluice.upstream.Upstream;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Enumeration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.util.Timeout;

/**
 * WebSocket pass-through for a filter: a handshake on a route goes to a node picked as for any
 * request, and on the node's 101 the connection becomes a {@link Tunnel}.
 *
 * <p>The container thread that brought the handshake waits for the node's answer (at most
 * {@code connect-timeout} plus {@code timeout} per attempt): the client's 101 must carry the
 * node's {@code Sec-WebSocket-*} choices, and Tomcat switches protocols only at the end of the
 * request's first pass through the filter, never after an asynchronous one. That wait is the one
 * exception to "no container thread waits for an upstream", bounded as said and by
 * {@code websocket.max-connections}; the tunnel itself holds no thread.
 */
public final class Tunnels implements AutoCloseable {
    private static final Set<String> NOT_RELAYED = HopByHop.caseInsensitive("content-length", "transfer-encoding");

    private final String name;
    private final ThrottledLog log = new ThrottledLog(System.getLogger(Tunnels.class.getName()));
    private TunnelReactor reactor;
    private boolean closed;

    /** @param name the application's context path, for the I/O thread's name */
    public Tunnels(String name) {
        this.name = name.isEmpty() ? "/" : name;
    }

    /** Whether the request is a WebSocket handshake: HTTP/1.1 GET with {@code Upgrade: websocket} and {@code Connection: upgrade}. */
    public static boolean isHandshake(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) && "HTTP/1.1".equals(request.getProtocol())
                && hasToken(request.getHeader("Upgrade"), "websocket")
                && hasToken(request.getHeaders("Connection"), "upgrade");
    }

    private static boolean hasToken(Enumeration<String> values, String token) {
        while (values != null && values.hasMoreElements()) {
            if (hasToken(values.nextElement(), token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasToken(String value, String token) {
        if (value == null) {
            return false;
        }
        for (String part : value.split(",")) {
            if (part.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    /** Forwards the handshake and, on the node's 101, switches the client's connection into a tunnel. */
    public void open(Route route, String pathInApplication, HttpServletRequest request, HttpServletResponse response,
            Forwarder forwarder) throws IOException, ServletException {
        Upstream upstream = route.upstream();
        WebSocketSettings websocket = upstream.settings().websocket();
        if (!websocket.enabled()) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "WebSocket upgrades are not enabled on this route");
            return;
        }
        String unsupported = UpgradedConnection.unsupported(request);
        if (unsupported != null) {
            log.log(System.Logger.Level.WARNING, () -> "Sluice refuses WebSocket handshakes on " + unsupported
                    + ": its tunnels are tested on Tomcat only (route " + route.pathPrefix() + ")");
            response.sendError(HttpServletResponse.SC_NOT_IMPLEMENTED, "WebSocket pass-through is not supported on " + unsupported);
            return;
        }
        ObservedHandshake observed = new ObservedHandshake(forwarder.handshakeRecord(route, pathInApplication, request),
                forwarder.currentTrace());
        if (forwarder.rateLimited(route, request, response)) {
            observed.refused(ExchangeRecord.Outcome.RATE_LIMITED, 429);
            return;
        }
        if (!upstream.tunnels().reserve(websocket.maxConnections())) {
            response.setHeader("Retry-After", "1");
            Forwarder.answer(response, 503);
            observed.refused(ExchangeRecord.Outcome.OVERLOADED, 503);
            return;
        }
        upstream.counters().countRequest();
        Tunnel tunnel = new Tunnel(websocket.buffer(), upstream.tunnels());
        boolean open = false;
        try {
            open = handshake(route, pathInApplication, request, response, forwarder, tunnel, observed);
        } finally {
            if (!open) {
                tunnel.release();
            }
        }
    }

    private boolean handshake(Route route, String pathInApplication, HttpServletRequest request, HttpServletResponse response,
            Forwarder forwarder, Tunnel tunnel, ObservedHandshake observed) throws IOException, ServletException {
        Upstream upstream = route.upstream();
        UpstreamSettings settings = upstream.settings();
        String client = forwarder.clientAddress(request);
        BitSet tried = new BitSet();
        int status = 502;
        String failure = "no_node";
        for (int attempts = settings.retry().retries() + 1; attempts > 0; attempts--) {
            Node node = Forwarder.nextNode(upstream, client, tried);
            if (node == null) {
                status = tried.isEmpty() ? 503 : status;
                break;
            }
            tried.set(node.index());
            if (tried.cardinality() > 1) {
                upstream.counters().countRetry();
            }
            HttpRequest head = forwarder.handshake(route, pathInApplication, request, node);
            observed.attemptStarted(node, head, tried.cardinality() > 1);
            boolean https = settings.scheme() == Scheme.HTTPS;
            UpstreamLeg leg = new UpstreamLeg(tunnel, bytes(head), node.target(), https ? upstream.tunnelTls() : null,
                    !settings.tls().insecure(), Timeout.of(settings.timeouts().response()),
                    Timeout.of(settings.websocket().idleTimeout()));
            reactor().connect(node.target(), leg, Timeout.of(settings.timeouts().connect()));
            UpstreamLeg.Refusal refusal;
            try {
                refusal = leg.answer.get(settings.timeouts().connect().plus(settings.timeouts().response()).toMillis() + 1_000,
                        TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                upstream.health().failed(node.index());
                Throwable cause = e.getCause();
                log.log(System.Logger.Level.WARNING, () -> "upstream '" + upstream.name() + "' node " + node.address()
                        + ": WebSocket handshake failed: " + cause);
                failure = cause instanceof UpstreamLeg.NotConnected ? "not_connected" : "io";
                observed.attemptFailed(failure);
                if (cause instanceof UpstreamLeg.NotConnected) {
                    continue;
                }
                status = cause instanceof TimeoutException ? 504 : 502;
                break;
            } catch (TimeoutException e) {
                leg.abandon();
                upstream.health().failed(node.index());
                observed.attemptFailed(failure = "io");
                status = 504;
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                leg.abandon();
                observed.attemptFailed(failure = "other");
                status = 503;
                break;
            }
            upstream.health().succeeded(node.index());
            if (refusal != null) {
                observed.attemptAnswered(refusal.answer().status());
                relay(refusal, response, forwarder.responseVia());
                observed.answered(refusal.answer().status());
                return false;
            }
            observed.attemptAnswered(101);
            boolean upgraded = upgrade(request, response, tunnel, leg, forwarder.responseVia());
            observed.answered(101);
            return upgraded;
        }
        upstream.counters().countFailure();
        Forwarder.answer(response, status);
        observed.failed(failure, status);
        return false;
    }

    /** The node's 101 with its own headers, and the container told to switch protocols. */
    private static boolean upgrade(HttpServletRequest request, HttpServletResponse response, Tunnel tunnel, UpstreamLeg leg,
            String via) throws IOException, ServletException {
        UpstreamAnswer answer = leg.switched();
        copyHeaders(answer, response, via);
        response.setHeader("Upgrade", answer.header("Upgrade"));
        response.setHeader("Connection", "Upgrade");
        try {
            tunnel.opened();
            request.upgrade(TunnelUpgrade.class).attach(tunnel);
            return true;
        } catch (IOException | ServletException | RuntimeException e) {
            tunnel.failed(Closer.CLIENT, e);
            throw e;
        }
    }

    /** An answer other than 101, relayed as a normal response. */
    private static void relay(UpstreamLeg.Refusal refusal, HttpServletResponse response, String via) throws IOException {
        response.setStatus(refusal.answer().status());
        copyHeaders(refusal.answer(), response, via);
        response.setContentLength(refusal.body().length);
        response.getOutputStream().write(refusal.body());
    }

    private static void copyHeaders(UpstreamAnswer answer, HttpServletResponse response, String via) {
        Set<String> named = HopByHop.namedByConnection(answer.headers().stream()
                .filter(h -> h[0].equalsIgnoreCase("Connection")).map(h -> h[1]).iterator());
        String received = null;
        for (String[] field : answer.headers()) {
            if (field[0].equalsIgnoreCase("Via")) {
                received = received == null ? field[1] : received + ", " + field[1];
            } else if (!HopByHop.isHopByHop(field[0], named) && !NOT_RELAYED.contains(field[0])) {
                response.addHeader(field[0], field[1]);
            }
        }
        response.setHeader("Via", received == null ? via : received + ", " + via);
    }

    /** The handshake's head as sent: request line and header fields. */
    private static byte[] bytes(HttpRequest head) {
        StringBuilder text = new StringBuilder("GET ").append(head.getRequestUri()).append(" HTTP/1.1\r\n");
        for (Header header : head.getHeaders()) {
            text.append(header.getName()).append(": ").append(header.getValue()).append("\r\n");
        }
        return text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private synchronized TunnelReactor reactor() {
        if (closed) {
            throw new IllegalStateException("the filter is stopping");
        }
        if (reactor == null) {
            reactor = new TunnelReactor(name);
        }
        return reactor;
    }

    /** Stops the I/O thread, closing every tunnel's upstream side (and so the tunnels). */
    @Override
    public synchronized void close() {
        closed = true;
        if (reactor != null) {
            reactor.close();
            reactor = null;
        }
    }

}
