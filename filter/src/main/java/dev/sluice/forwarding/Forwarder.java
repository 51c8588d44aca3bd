package dev.sluice.forwarding;

import dev.sluice.container.ConsumedBody;
import dev.sluice.upstream.ThrottledLog;
import dev.sluice.routing.Route;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.Upstream;

import dev.sluice.config.ForwardingSettings;
import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedCallLimits;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.observe.Observers;
import dev.sluice.tracing.Tracing;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;

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
    private final RequestIds requestIds;
    private final Observers observers;
    private final Tracing tracing;

    /** @param settings the settings shared by every route */
    public Forwarder(ForwardingSettings settings) {
        this(settings, Observers.NONE);
    }

    /**
     * @param settings the settings shared by every route
     * @param observers told of every proxied request's attempts and outcome
     */
    public Forwarder(ForwardingSettings settings, Observers observers) {
        this.headers = new RequestHeaders(settings);
        this.bodyBuffers = new BodyBuffers(settings.requestBufferBytes());
        this.requestIds = new RequestIds(settings.observability());
        this.observers = observers;
        this.tracing = Tracing.find(settings.observability().tracing());
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
        String receivedId = requestIds.received(request);
        String requestId = receivedId != null ? receivedId : requestIds.generated();
        if (requestId != null) {
            // Set first, so that Sluice's own answers carry it too; an upstream's answer gets it again.
            response.setHeader(requestIds.header(), requestId);
        }
        ExchangeRecord record = new ExchangeRecord(observers, route.settings().name(), route.upstream().name(),
                request.getMethod(), UpstreamRequest.target(route, pathInApplication, request), client.address(), requestId);
        // Read here, on the container thread the application's span is current on: the exchange
        // may start on the rate limit store's thread.
        Tracing.Parent trace = tracing.current();
        Admission admission = new Admission(route, pathInApplication, client, request, response, record,
                requestId == null ? null : requestIds.header(), receivedId == null, trace);
        SharedCallLimits shared = route.upstream().sharedLimits();
        if (shared != null) {
            CompletableFuture<RateLimiter.Decision> decided = shared.refusal(client.address());
            if (!decided.isDone()) {
                // The store answers on its own thread: the container thread goes back to its pool
                // meanwhile, and the request goes on (or is refused) from the store's answer.
                AsyncContext async = request.startAsync(request, response);
                async.setTimeout(0);
                decided.whenComplete((refusal, failure) -> {
                    if (failure != null) {
                        // Never expected (the fallback decides when the store fails), but a request
                        // in async mode without a timeout must never be left unanswered.
                        route.upstream().failureLog().log(System.Logger.Level.WARNING,
                                () -> "Sluice let a call through: its shared rate limit failed to decide: " + failure);
                    }
                    admitLater(failure == null ? refusal : null, async, admission);
                });
                return;
            }
            admit(decided.join(), null, admission);
            return;
        }
        admit(route.upstream().limits().refusal(client.address()), null, admission);
    }

    /** One request on its way past the limits, with what its exchange is built from. */
    private record Admission(Route route, String pathInApplication, RequestHeaders.ClientHop client,
            HttpServletRequest request, HttpServletResponse response, ExchangeRecord record, String requestIdHeader,
            boolean requestIdGenerated, Tracing.Parent trace) {
    }

    /** {@link #admit} once a shared decision came, off the container thread. */
    private void admitLater(RateLimiter.Decision refusal, AsyncContext async, Admission admission) {
        try {
            admit(refusal, async, admission);
        } catch (IOException | RuntimeException e) {
            // The client left while the store answered; nothing was sent upstream.
            admission.route().upstream().failureLog().log(System.Logger.Level.DEBUG, () -> "Sluice could not answer "
                    + admission.pathInApplication() + " after its rate limit's decision: " + e);
            try {
                async.complete();
            } catch (IllegalStateException completed) {
                // The exchange had started and ended it already.
            }
        }
    }

    /**
     * The request past its rate limits: refused with 429, or with 503 when too many are in flight,
     * or sent upstream.
     *
     * @param async the request's async context when a shared decision started it, else {@code null}
     */
    private void admit(RateLimiter.Decision refusal, AsyncContext async, Admission admission) throws IOException {
        Route route = admission.route();
        HttpServletResponse response = admission.response();
        if (refusal != null) {
            route.upstream().counters().countRateLimited();
            tooManyRequests(refusal, response);
            admission.record().refused(ExchangeRecord.Outcome.RATE_LIMITED, 429);
            completeIfAsync(async);
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
            admission.record().refused(ExchangeRecord.Outcome.OVERLOADED, 503);
            completeIfAsync(async);
            return;
        }
        route.upstream().counters().countRequest();
        ProxyExchange exchange = new ProxyExchange(route, admission.pathInApplication(), admission.client(),
                admission.request(), response, headers, bodyBuffers, admission.record(), admission.requestIdHeader(),
                admission.requestIdGenerated(), admission.trace());
        if (async == null) {
            exchange.start();
        } else {
            exchange.start(async);
        }
    }

    private static void completeIfAsync(AsyncContext async) {
        if (async != null) {
            async.complete();
        }
    }

    /**
     * For a request that leaves the exchange path (a WebSocket handshake): the route's call rate
     * limits, a refusal answered 429 here as for any request.
     *
     * @return whether the request was refused and answered
     */
    public boolean rateLimited(Route route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        String client = headers.clientHop(request).address();
        SharedCallLimits shared = route.upstream().sharedLimits();
        // A handshake holds its container thread until the node answers anyway; a shared decision
        // waits at most the store's bound, after which the fallback decides.
        RateLimiter.Decision refusal = shared != null ? shared.refusal(client).join()
                : route.upstream().limits().refusal(client);
        if (refusal != null) {
            route.upstream().counters().countRateLimited();
            tooManyRequests(refusal, response);
            return true;
        }
        return false;
    }

    /**
     * The head of a WebSocket handshake for the node, made as for any forwarded request (target,
     * Host mode, {@code Via}, {@code X-Forwarded-*}, the upstream's header rules), with the
     * {@code Upgrade} and {@code Connection} of this hop put back.
     */
    public HttpRequest handshake(Route route, String pathInApplication, HttpServletRequest request, Node node) {
        HttpRequest head = new BasicHttpRequest("GET", node.target(), UpstreamRequest.target(route, pathInApplication, request));
        headers.copy(request, head, route.upstream().settings(), node, headers.clientHop(request));
        head.setHeader("Connection", "Upgrade");
        head.setHeader("Upgrade", "websocket");
        return head;
    }

    /**
     * The outcome record of a WebSocket handshake, handed to the observers as any request's is.
     */
    public ExchangeRecord handshakeRecord(Route route, String pathInApplication, HttpServletRequest request) {
        return new ExchangeRecord(observers, route.settings().name(), route.upstream().name(), request.getMethod(),
                UpstreamRequest.target(route, pathInApplication, request), clientAddress(request), requestIds.received(request));
    }

    /** The span current on this container thread, parent of a handshake's attempts; {@code null} when none. */
    public Tracing.Parent currentTrace() {
        return tracing.current();
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
