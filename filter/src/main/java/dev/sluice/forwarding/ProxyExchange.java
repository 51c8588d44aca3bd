package dev.sluice.forwarding;

import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.Node;
import dev.sluice.routing.Route;

import dev.sluice.health.UpstreamHealth;
import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.tracing.Tracing;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.BitSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;

/**
 * One proxied request, from the filter's {@code startAsync} to the last byte: picks a node, builds
 * the upstream request ({@link UpstreamRequest}, {@link RequestHeaders}), wires the request body
 * ({@link RequestBody}) and the response ({@link ResponseRelay}), retries failed attempts as
 * {@link RetryPolicy} allows, tells each attempt's outcome to its node's health ({@link NodeVerdict}),
 * and ties the failures of both sides together, each classified by {@link UpstreamFailure}. The
 * container thread leaves as soon as the upstream call is under way.
 */
final class ProxyExchange implements FutureCallback<Void>, AsyncListener, RequestBody.Sink, ResponseReport.Outcome {
    private static final System.Logger LOG = System.getLogger(ProxyExchange.class.getName());
    private static final AtomicIntegerFieldUpdater<ProxyExchange> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(ProxyExchange.class, "ended");

    private final Route route;
    private final Upstream upstream;
    private final String pathInApplication;
    private final RequestHeaders.ClientHop client;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final RequestHeaders headers;
    private final BodyBuffers bodyBuffers;
    private final long startNanos = System.nanoTime();
    private final ExchangeRecord record;
    /** The request id's header, or {@code null} when the request has no id. */
    private final String idHeader;
    /** Whether the id is ours, to be sent upstream; the client's goes up with its other headers. */
    private final boolean idGenerated;
    private final String target;
    /** The span the request arrived under, or {@code null}: then no attempt is traced. */
    private final Tracing.Parent trace;

    private ResponseRelay relay;
    private final BitSet tried = new BitSet();
    private int attemptsLeft;
    /**
     * Resends to the same node allowed after a stale pooled connection or a malformed answer on a
     * reused one; bounded so a broken pool cannot loop.
     */
    private int staleResends = 2;
    private Node node;
    private Attempt attempt;
    private Tracing.ClientSpan span;
    private BodyEntity body;
    private volatile Future<Void> call;
    private volatile boolean clientGone;
    /** 1 once the exchange is over; set once, through {@link #ENDED}: no object of its own per request. */
    private volatile int ended;
    private boolean sent;

    ProxyExchange(Route route, String pathInApplication, RequestHeaders.ClientHop client, HttpServletRequest request,
            HttpServletResponse response, RequestHeaders headers, BodyBuffers bodyBuffers, ExchangeRecord record,
            String idHeader, boolean idGenerated, Tracing.Parent trace) {
        this.route = route;
        this.trace = trace;
        this.record = record;
        this.idHeader = idHeader;
        this.idGenerated = idGenerated;
        this.target = record.target();
        this.upstream = route.upstream();
        this.pathInApplication = pathInApplication;
        this.client = client;
        this.request = request;
        this.response = response;
        this.headers = headers;
        this.bodyBuffers = bodyBuffers;
        this.attemptsLeft = upstream.settings().retry().retries() + 1;
    }

    /** Starts the exchange on the container thread and returns without waiting for the upstream. */
    void start() throws IOException {
        start(request.startAsync(request, response));
    }

    /**
     * Starts the exchange in a request already in async mode (after a shared rate limit's
     * decision), on whichever thread has it, and returns without waiting for the upstream.
     */
    void start(AsyncContext async) throws IOException {
        // No container timeout: the upstream timeouts bound the wait, and a long stream that keeps
        // flowing (downloads, server-sent events) must not be cut by a total timer.
        async.setTimeout(0);
        async.addListener(this);
        // Ended once (end()): in onComplete, or as the relay cuts the client or finds it gone,
        // after which Jetty calls no listener.
        upstream.counters().exchangeStarted();
        ServletOutputStream out = response.getOutputStream();
        relay = new ResponseRelay(async, response, out, headers.responseVia(),
                ResponseRewrite.of(route, request, client.trusted()), new ResponseReport(this, record, upstream.failureLog()),
                upstream.settings().responseBuffer(), idHeader);
        // Set now so the container's first onWritePossible happens while the upstream works,
        // and the response can be written straight from the reactor thread when it arrives.
        out.setWriteListener(relay);

        long length = request.getContentLengthLong();
        boolean undeclared = length < 0 && UpstreamRequest.hasBodyOfUndeclaredLength(request);
        if (length > 0 || undeclared) {
            ServletInputStream in = request.getInputStream();
            in.setReadListener(RequestBody.reader(in, undeclared ? -1 : length, bodyBuffers, this));
        } else {
            firstAttempt();
        }
    }

    private void firstAttempt() {
        if (!attempt()) {
            upstream.counters().countFailure();
            UpstreamHealth health = upstream.health();
            relay.upstreamFailed(health.anyEjected()
                    ? UpstreamFailure.allDown(upstream.name(), health.secondsUntilFirstBack())
                    : UpstreamFailure.noNode(upstream.name()));
        }
    }

    /**
     * Sends the request to the node {@link RetryPolicy#nextNode} chooses.
     *
     * @return whether there was such a node
     */
    private boolean attempt() {
        node = RetryPolicy.nextNode(upstream, client.address(), tried);
        if (node == null) {
            return false;
        }
        tried.set(node.index());
        attemptsLeft--;
        send();
        return true;
    }

    /** Sends the request to the current node. */
    private void send() {
        BasicHttpRequest upstreamRequest = new BasicHttpRequest(request.getMethod(), node.target(), target);
        headers.copy(request, upstreamRequest, upstream.settings(), node, client);
        if (idGenerated) {
            upstreamRequest.setHeader(idHeader, record.requestId());
        }
        attempt = record.attemptStarted(node.index(), node.address());
        if (trace != null) {
            span = trace.attemptStarted(upstreamRequest);
        }
        BodyEntity entity = body instanceof BufferedEntity buffered && sent ? buffered.replay() : body;
        sent = true;
        upstream.counters().attemptStarted(node.index());
        try {
            Future<Void> started = upstream.client().execute(node, new BasicRequestProducer(upstreamRequest, entity), relay, this,
                    request.getHeader("User-Agent") != null);
            call = started;
            if (clientGone) {
                started.cancel(true);
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void bodyReady(BodyEntity entity) {
        // An HTTP/2 request whose stream the container did not call finished at first (Jetty and
        // Undertow, for a GET) may turn out to have no body: sent as a request declaring none, so
        // that a GET goes up without a Content-Length and a POST with Content-Length: 0.
        body = entity.getContentLength() == 0 ? null : entity;
        firstAttempt();
    }

    @Override
    public void bodyFailed(Throwable cause) {
        // A container that failed the read answers 400 itself (Tomcat does), and its error page
        // would show this exception's trace, through Sluice's frames, to whoever cut the upload.
        try {
            request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        } catch (RuntimeException e) {
            // The exchange is over and the container took its request back: no page follows.
        }
        relay.clientFailed(cause);
    }

    @Override
    public void bodyEndedShort(long received) {
        relay.upstreamFailed(UpstreamFailure.requestBodyShort(upstream.name(), received, request.getContentLengthLong()));
    }

    // ---- HttpClient's verdict ----

    @Override
    public void completed(Void result) {
        // The relay finishes the response as the last bytes are written.
        upstream.counters().attemptEnded(node.index());
        if (body instanceof BufferedEntity buffered) {
            // No attempt follows an answer, so the body's arrays can go back to the pool.
            buffered.recycle();
        }
        attemptEnded(null);
    }

    @Override
    public void failed(Exception cause) {
        upstream.counters().attemptEnded(node.index());
        UpstreamFailure.Kind kind = UpstreamFailure.classify(cause);
        attemptEnded(kind.tag());
        if (staleResends > 0 && mayResendOnSameNode(kind)) {
            // The request never left, or its answer was lost behind bytes left on the connection
            // by an earlier one: either way this says nothing about the request's own answer.
            staleResends--;
            send();
            return;
        }
        if (stalledByClient(cause)) {
            // The upstream's timeout ran out waiting for the client, as nginx's client_body_timeout
            // and send_timeout would: the client's exchange ends, the node is not blamed.
            upstream.counters().countFailure();
            relay.upstreamFailed(UpstreamFailure.clientStalled(upstream.name(), cause,
                    body instanceof StreamedBody streamed && streamed.waitingForClient()));
            return;
        }
        UpstreamFailure failure = UpstreamFailure.of(upstream.name(), node.address(), cause, kind);
        if (!clientGone && kind.countsAgainstNode()) {
            NodeVerdict.failed(upstream, node.index());
        }
        if (mayRetry(kind) && attempt()) {
            Node retried = node;
            upstream.failureLog().log(System.Logger.Level.INFO, () -> failure + "; retried on node " + retried.address());
            upstream.counters().countRetry();
            record.retried();
            return;
        }
        upstream.counters().countFailure();
        relay.upstreamFailed(failure);
    }

    /** The attempt is over: in the record, and its span (if traced) ends. */
    private void attemptEnded(String failure) {
        record.attemptEnded(attempt, failure);
        if (span != null) {
            span.ended(attempt.status(), failure);
            span = null;
        }
    }

    /**
     * Whether the client is still there and the request, body included, can be sent once more: a
     * body read whole replays; a streamed one only while no attempt has taken any of it.
     */
    private boolean canSendAgain() {
        return !clientGone && (body == null || body instanceof BufferedEntity
                || body instanceof StreamedBody streamed && streamed.untouched());
    }

    /** Whether a failed attempt goes again to its node on another connection, as no retry. */
    private boolean mayResendOnSameNode(UpstreamFailure.Kind kind) {
        return canSendAgain() && !relay.responseStarted() && kind.mayResendOnSameNode(
                RetryPolicy.idempotent(request.getMethod(), request.getHeader("Idempotency-Key") != null, upstream.settings().retry()));
    }

    /** Whether a failed attempt goes again to an untried node: never once any of its response has arrived. */
    private boolean mayRetry(UpstreamFailure.Kind kind) {
        return canSendAgain() && !relay.responseStarted()
                && RetryPolicy.mayRetry(kind, request.getMethod(), request.getHeader("Idempotency-Key") != null,
                        upstream.settings().retry(), System.nanoTime() - startNanos, attemptsLeft,
                        tried.cardinality() < upstream.size());
    }

    /**
     * Whether the upstream connection timed out while the exchange waited for the client: for more
     * of a streamed request body, or for the client to read the response it was sent.
     */
    private boolean stalledByClient(Exception cause) {
        return UpstreamFailure.timedOutWhileConnected(cause)
                && (body instanceof StreamedBody streamed && streamed.waitingForClient() || relay.waitingForClient());
    }

    @Override
    public void cancelled() {
        upstream.counters().attemptEnded(node.index());
        attemptEnded("cancelled");
        if (!clientGone) {
            // Not ours (we cancel only once the client went away): HttpClient gave up the exchange,
            // as when its pool closes under it. The client must still get an answer; nothing
            // else would end a request without a container timeout.
            upstream.counters().countFailure();
            relay.upstreamFailed(UpstreamFailure.of(upstream.name(), node.address(),
                    new CancellationException("the upstream exchange was cancelled")));
        }
    }

    // ---- the relay's verdict ----

    @Override
    public void clientFailed(Throwable cause) {
        clientGone = true;
        record.clientGone();
        end();
        Future<Void> started = call;
        if (started != null) {
            // Drops the upstream connection instead of draining a body nobody will read.
            started.cancel(true);
        }
        LOG.log(System.Logger.Level.DEBUG, "client of upstream ''{0}'' went away: {1}", upstream.name(), cause);
    }

    @Override
    public void responseAborted() {
        end();
    }

    /** Counted once, whether the container ({@code onComplete}) or the relay tells first. */
    private void end() {
        if (ENDED.compareAndSet(this, 0, 1)) {
            upstream.counters().exchangeEnded();
            record.bytesIn(body instanceof StreamedBody streamed ? streamed.received()
                    : body == null ? 0 : Math.max(body.getContentLength(), 0));
            record.exchangeEnded();
        }
    }

    @Override
    public void responseHead(int status, String retryAfter) {
        record.responseHead(attempt, status);
        NodeVerdict.answered(upstream, node.index(), status, retryAfter);
    }

    // ---- the container's view ----

    @Override
    public void onComplete(AsyncEvent event) {
        end();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        relay.containerFailed(new IOException("async timeout"));
    }

    @Override
    public void onError(AsyncEvent event) {
        relay.containerFailed(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted.
    }
}
