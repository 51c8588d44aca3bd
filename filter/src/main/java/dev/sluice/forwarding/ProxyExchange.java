package dev.sluice.forwarding;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.Future;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;

/**
 * One proxied request, from the filter's {@code startAsync} to the last byte: picks a node, builds
 * the upstream request (target, headers), wires the request body ({@link RequestBody}) and the
 * response ({@link ResponseRelay}) and ties their failures together. The container thread leaves as
 * soon as the upstream call is under way.
 */
final class ProxyExchange implements FutureCallback<Void>, AsyncListener, RequestBody.Sink, ResponseRelay.Outcome {
    private static final System.Logger LOG = System.getLogger(ProxyExchange.class.getName());

    private final Route route;
    private final String pathInApplication;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final RequestHeaders headers;
    private final int requestBuffer;

    private ResponseRelay relay;
    private Node node;
    private BasicHttpRequest upstreamRequest;
    private volatile Future<Void> call;
    private volatile boolean clientGone;

    ProxyExchange(Route route, String pathInApplication, HttpServletRequest request, HttpServletResponse response,
            RequestHeaders headers, int requestBuffer) {
        this.route = route;
        this.pathInApplication = pathInApplication;
        this.request = request;
        this.response = response;
        this.headers = headers;
        this.requestBuffer = requestBuffer;
    }

    /** Starts the exchange on the container thread and returns without waiting for the upstream. */
    void start() throws IOException {
        AsyncContext async = request.startAsync(request, response);
        // No container timeout: the upstream timeouts bound the wait, and a long stream that keeps
        // flowing (downloads, server-sent events) must not be cut by a total timer.
        async.setTimeout(0);
        async.addListener(this);
        ServletOutputStream out = response.getOutputStream();
        relay = new ResponseRelay(async, response, out, headers.via(null, "HTTP/1.1"), this);
        // Set now so the container's first onWritePossible happens while the upstream works,
        // and the response can be written straight from the reactor thread when it arrives.
        out.setWriteListener(relay);

        Upstream upstream = route.upstream();
        node = upstream.pick();
        if (node == null) {
            relay.upstreamFailed(UpstreamFailure.noNode(upstream.name()));
            return;
        }
        upstreamRequest = new BasicHttpRequest(request.getMethod(), node.target(), target());
        headers.copy(request, upstreamRequest, upstream.settings(), node);

        long length = request.getContentLengthLong();
        boolean chunked = length < 0 && request.getHeader("Transfer-Encoding") != null;
        if (length > 0 || chunked) {
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new RequestBody(in, chunked ? -1 : length, requestBuffer, this));
        } else {
            send(null);
        }
    }

    /** The request-target sent upstream: the raw path as received, optionally without the prefix, and the raw query. */
    private String target() {
        String path = request.getRequestURI();
        if (route.settings().stripPrefix()) {
            String prefix = route.pathPrefix();
            path = prefix.length() == 1 ? pathInApplication : pathInApplication.substring(prefix.length());
            if (path.isEmpty()) {
                path = "/";
            }
        }
        String query = request.getQueryString();
        return query == null ? path : path + "?" + query;
    }

    private void send(BodyEntity body) {
        try {
            Future<Void> started = route.upstream().client().execute(
                    new BasicRequestProducer(upstreamRequest, body), relay, this);
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
        send(entity);
    }

    @Override
    public void bodyFailed(Throwable cause) {
        relay.clientFailed(cause);
    }

    // ---- HttpClient's verdict ----

    @Override
    public void completed(Void result) {
        // The relay finishes the response as the last bytes are written.
    }

    @Override
    public void failed(Exception cause) {
        relay.upstreamFailed(UpstreamFailure.of(route.upstream().name(), node == null ? null : node.address(), cause));
    }

    @Override
    public void cancelled() {
        // Only we cancel, and only after the client went away.
    }

    // ---- the relay's verdict ----

    @Override
    public void clientFailed(Throwable cause) {
        clientGone = true;
        Future<Void> started = call;
        if (started != null) {
            // Drops the upstream connection instead of draining a body nobody will read.
            started.cancel(true);
        }
        LOG.log(System.Logger.Level.DEBUG, "client of upstream ''{0}'' went away: {1}", route.upstream().name(), cause);
    }

    @Override
    public void finished() {
        // Outcome hook for health and metrics.
    }

    // ---- the container's view ----

    @Override
    public void onComplete(AsyncEvent event) {
        // Nothing: the relay completed it.
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        relay.clientFailed(new IOException("async timeout"));
    }

    @Override
    public void onError(AsyncEvent event) {
        relay.clientFailed(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted.
    }
}
