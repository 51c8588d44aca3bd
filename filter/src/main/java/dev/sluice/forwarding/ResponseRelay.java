package dev.sluice.forwarding;

import dev.sluice.container.ContainerAbort;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The upstream's response on its way to the client: HttpClient hands it over on its reactor
 * threads, the servlet container says when the client can take more on its own threads, and this
 * class moves it across without parking either.
 *
 * <p>Every touch of the servlet response happens in {@link #drain()}, which runs on whichever thread
 * signalled last while no other thread is inside it ({@link DrainGate}: no lock, a thread that
 * finds another draining leaves its signal and returns). The one exception is a client
 * failure reported by the container: that thread waits for the other to leave the container's
 * code before giving the request back ({@link #containerFailed}).
 *
 * <p>The body's bytes go into the servlet output through {@link ResponseOutput}, which keeps
 * those the client cannot take yet, and back to HttpClient's window ({@link FlowWindow}) only once
 * the output accepted them. The head is translated by {@link ResponseHead}, the body goes as
 * {@link ResponseBody} says (none, gathered whole before the head, or streamed), and a failure
 * before the head was applied is answered by {@link FailureAnswer}, after it by cutting the
 * client's connection. What the relay learns on the way goes to its {@link ResponseReport}.
 */
final class ResponseRelay implements AsyncResponseConsumer<Void>, WriteListener, DrainGate.Drain {
    private static final System.Logger LOG = System.getLogger(ResponseRelay.class.getName());

    private final HttpServletResponse response;
    private final String via;
    private final ResponseRewrite rewrite;
    private final ResponseReport report;
    private final AsyncContext async;
    private final FlowWindow window;
    private final int wholeBodyLimit;
    /** The request id's header, set again over the upstream's, or {@code null}. */
    private final String idHeader;
    private final ResponseOutput output;
    private final DrainGate gate = new DrainGate(this);
    private volatile HttpResponse head;
    private volatile long contentLength = -1;
    /** How the response's body goes to the client; known once the head has arrived. */
    private volatile ResponseBody body = ResponseBody.NONE;
    /**
     * Whether the head goes to the client as soon as it arrives: for an event stream, whose first
     * event may come much later. Any other streamed head goes with the first body bytes, in one
     * write, and until then an upstream failure can still be answered with a clean 5xx.
     */
    private volatile boolean headAtOnce;
    private volatile UpstreamFailure failure;
    private volatile Throwable clientFailure;
    private volatile FutureCallback<Void> resultCallback;
    /** Whether bytes wait for the client to take them, as of the last pass through the serialised part. */
    private volatile boolean clientBehind;

    // Touched only inside drain().
    private boolean headApplied;
    private boolean failureHandled;
    private boolean done;

    ResponseRelay(AsyncContext async, HttpServletResponse response, ServletOutputStream out,
            String via, ResponseRewrite rewrite, ResponseReport report, int window, String idHeader) {
        this.report = report;
        this.idHeader = idHeader;
        this.window = new FlowWindow(window);
        this.wholeBodyLimit = ResponseBody.wholeBodyLimit(window);
        this.output = new ResponseOutput(response, out, this.window, report);
        this.async = async;
        this.response = response;
        this.via = via;
        this.rewrite = rewrite;
    }

    // ---- HttpClient side (reactor threads) ----

    @Override
    public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context,
            FutureCallback<Void> resultCallback) {
        if (entity == null) {
            output.end();
        } else {
            contentLength = entity.getContentLength();
            body = ResponseBody.of(contentLength, wholeBodyLimit);
            headAtOnce = body == ResponseBody.STREAMED && ResponseBody.isEventStream(entity.getContentType());
        }
        report.headArrived(response);
        head = response;
        gate.signal();
        if (entity == null) {
            resultCallback.completed(null);
        } else {
            this.resultCallback = resultCallback;
        }
    }

    @Override
    public void informationResponse(HttpResponse response, HttpContext context) {
        // 1xx answers stay between us and the upstream: the container speaks 100-continue itself.
    }

    @Override
    public void updateCapacity(CapacityChannel channel) throws IOException {
        window.channel(channel);
    }

    @Override
    public void consume(ByteBuffer src) throws IOException {
        if (clientFailure != null) {
            // Failing the exchange makes HttpClient drop the connection rather than pool it.
            throw new IOException("client went away", clientFailure);
        }
        if (gate.tryEnter()) {
            // Alone in the serialised part: when the client can take the bytes now, write them
            // straight from HttpClient's buffer, with no copy and no hand-off to another thread.
            gate.enterContainer();
            try {
                writeInline(src);
            } catch (IOException | RuntimeException e) {
                clientBroke(e);
            }
            gate.leaveContainer();
            if (src.hasRemaining()) {
                output.append(src);
            }
            gate.drainLoop();
        } else {
            output.append(src);
            gate.signal();
        }
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {
        output.end();
        gate.signal();
        FutureCallback<Void> callback = resultCallback;
        if (callback != null) {
            callback.completed(null);
        }
    }

    @Override
    public void failed(Exception cause) {
        // The exchange's FutureCallback hears of the same failure, knowing the upstream and node,
        // and reports it through upstreamFailed.
    }

    /** Ends the exchange with this failure: an error status if nothing was sent yet, else an abort. */
    void upstreamFailed(UpstreamFailure cause) {
        if (failure == null) {
            failure = cause;
        }
        gate.signal();
    }

    /**
     * Whether the response waits for the client to read what it was sent: the upstream, paused by
     * flow control meanwhile, is not what holds the exchange up.
     */
    boolean waitingForClient() {
        return clientBehind;
    }

    /** Whether a response head arrived from the upstream, so the exchange can no longer be retried. */
    boolean responseStarted() {
        return head != null;
    }

    @Override
    public void releaseResources() {
        // Buffers are plain heap arrays, released with the relay.
    }

    // ---- container side (container threads) ----

    @Override
    public void onWritePossible() {
        gate.signal();
    }

    @Override
    public void onError(Throwable cause) {
        containerFailed(cause);
    }

    /**
     * The container reports, on its own thread, that the client's connection broke: gives up the
     * response, and returns only once no other thread is inside the relay's calls into the
     * container (for at most a bounded time: {@link DrainGate#awaitOthersOutOfContainer}).
     *
     * <p>Why it waits: when a flush from HttpClient's reactor thread finds the client gone, Tomcat
     * 10.1 hands the error to a container thread, which calls here and, once we return, completes
     * the request and recycles its objects. The reactor thread is by then still inside the flush
     * and about to store the exception on the response: stored after the recycling, it fails
     * whichever request the connection's processor serves next. Holding the container thread
     * until the reactor thread is out of the container's code keeps that store on this request.
     */
    void containerFailed(Throwable cause) {
        clientFailed(cause);
        gate.awaitOthersOutOfContainer();
    }

    /** The client's connection broke (its body could not be read, or the container said so): give up the response. */
    void clientFailed(Throwable cause) {
        if (clientFailure == null) {
            clientFailure = cause;
        }
        gate.signal();
    }

    // ---- the serialised part ----

    /** The fast path of {@link #consume}: only when nothing waits before these bytes. */
    private void writeInline(ByteBuffer src) throws IOException {
        if (done || clientFailure != null || failure != null || output.waiting() || !src.hasArray()) {
            return;
        }
        if (body == ResponseBody.GATHERED) {
            output.gatherNow(src, contentLength);
            return;
        }
        if (!headApplied) {
            applyHead();
        }
        output.writeNow(src, contentLength);
    }

    /** Everything that touches the servlet response: one thread at a time, through the {@link DrainGate}. */
    @Override
    public void drain() {
        if (done) {
            return;
        }
        try {
            if (clientFailure != null) {
                clientGone(clientFailure);
                return;
            }
            if (failure != null && !failureHandled) {
                failureHandled = true;
                if (!answerFailure()) {
                    return;
                }
            }
            if (!headApplied) {
                if (head == null) {
                    return;
                }
                if (body == ResponseBody.GATHERED) {
                    boolean whole = output.ended(); // read first: every append happens before the end
                    if (!output.gatherWaiting(contentLength)) {
                        return; // the container calls back
                    }
                    if (!whole) {
                        return;
                    }
                } else if (!output.waiting() && !output.ended() && !headAtOnce) {
                    return; // the head goes with the first body bytes
                }
                applyHead();
            }
            if (output.writeWaiting(contentLength, headAtOnce)) {
                finish();
            }
            window.settle();
            clientBehind = output.behind();
        } catch (IOException | RuntimeException e) {
            clientBroke(e);
        }
    }

    /** A write to a client that went away, or the container refused the response. */
    private void clientBroke(Exception e) {
        LOG.log(System.Logger.Level.DEBUG, "response to the client failed", e);
        clientFailure = e;
        clientGone(e);
    }

    /** Gives the response up, and reopens the window so that an upstream paused for the client fails at once. */
    private void clientGone(Throwable cause) {
        finish();
        report.clientFailed(cause);
        window.reopen();
    }

    private void applyHead() {
        headApplied = true;
        output.sizeFor(body);
        // The id is ours, even where the upstream sent one of its own (or echoed it): one value.
        ResponseHead.apply(head, response, via, body != ResponseBody.NONE, contentLength, rewrite, idHeader, report.requestId());
        report.headSent(head.getCode());
    }

    /**
     * Turns a failure into what the client sees. Before the upstream's response head was applied
     * that is a short 502/503/504 answer, sent through the normal write path. Afterwards the
     * connection is cut, because completing would make a truncated body look whole (and
     * {@code response.reset()} cannot undo the head: Tomcat's reset also drops the WriteListener).
     *
     * @return whether draining should go on (to send the error answer)
     */
    private boolean answerFailure() {
        UpstreamFailure cause = failure;
        if (output.ended() && (body == ResponseBody.GATHERED || headApplied)) {
            return true; // the upstream's response is whole; a late failure report changes nothing
        }
        if (headApplied) {
            report.cutting(cause);
            done = true;
            if (!ContainerAbort.closeConnection(response, cause.exception())) {
                async.complete();
            }
            report.cut();
            return false;
        }
        report.answered(cause);
        byte[] body = FailureAnswer.upstreamFailed(response, cause, via);
        headApplied = true;
        output.replaceWith(body);
        contentLength = body.length;
        output.end();
        return true;
    }

    private void finish() {
        done = true;
        output.clear();
        try {
            async.complete();
        } catch (IllegalStateException alreadyOver) {
            // The container ended the request first (client error path); nothing left to do.
        }
    }
}
