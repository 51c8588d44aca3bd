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
 * <p>Bytes go back to HttpClient's window ({@link FlowWindow}) only once the servlet output
 * accepted them; those the client cannot take yet wait in {@link PendingBytes}. The head is
 * translated by {@link ResponseHead}, the body goes as {@link ResponseBody} says (none, gathered
 * whole before the head, or streamed), and a failure before the head was applied is answered by
 * {@link FailureAnswer}, after it by cutting the client's connection. What the relay learns on
 * the way goes to its {@link ResponseReport}.
 */
final class ResponseRelay implements AsyncResponseConsumer<Void>, WriteListener, DrainGate.Drain {
    private static final System.Logger LOG = System.getLogger(ResponseRelay.class.getName());

    private final HttpServletResponse response;
    private final ServletOutputStream out;
    private final String via;
    private final ResponseRewrite rewrite;
    private final ResponseReport report;
    private final AsyncContext async;
    private final FlowWindow window;
    private final int wholeBodyLimit;
    /** The request id's header, set again over the upstream's, or {@code null}. */
    private final String idHeader;
    /**
     * The container's response buffer, enlarged for a streamed body once its head applies: a body
     * that fits it never reaches the socket before its end. Touched only in the serialised part
     * after construction.
     */
    private int containerBuffer;

    private final PendingBytes pending = new PendingBytes();
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
    private volatile boolean ended;
    private volatile UpstreamFailure failure;
    private volatile Throwable clientFailure;
    private volatile FutureCallback<Void> resultCallback;
    /** Whether bytes wait for the client to take them, as of the last pass through the serialised part. */
    private volatile boolean clientBehind;

    // Touched only inside drain().
    private boolean headApplied;
    private boolean failureHandled;
    private boolean done;
    /** Bytes taken from {@link #pending} that the client could not take yet: they go before anything newer. */
    private ByteBuffer unsent;

    ResponseRelay(AsyncContext async, HttpServletResponse response, ServletOutputStream out,
            String via, ResponseRewrite rewrite, ResponseReport report, int window, String idHeader) {
        this.report = report;
        this.idHeader = idHeader;
        this.window = new FlowWindow(window);
        this.wholeBodyLimit = ResponseBody.wholeBodyLimit(window);
        this.containerBuffer = response.getBufferSize();
        this.async = async;
        this.response = response;
        this.out = out;
        this.via = via;
        this.rewrite = rewrite;
    }

    // ---- HttpClient side (reactor threads) ----

    @Override
    public void consumeResponse(HttpResponse response, EntityDetails entity, HttpContext context,
            FutureCallback<Void> resultCallback) {
        if (entity == null) {
            ended = true;
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
                pending.append(src);
            }
            gate.drainLoop();
        } else {
            pending.append(src);
            gate.signal();
        }
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {
        ended = true;
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
        if (done || clientFailure != null || failure != null || unsent != null || !pending.isEmpty()
                || !src.hasArray()) {
            return;
        }
        int before = src.remaining();
        if (body == ResponseBody.GATHERED) {
            if (out.isReady()) {
                ResponseBody.gather(response, out, src, contentLength, window);
                report.bytesOut(before);
            }
            return;
        }
        if (!headApplied) {
            applyHead();
        }
        if (!out.isReady()) {
            return;
        }
        window.settleOwed();
        ResponseBody.writeSlices(out, src, false, contentLength, containerBuffer, window);
        report.bytesOut(before - src.remaining());
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
                    boolean whole = ended; // read first: every append happens before the end
                    if (!out.isReady()) {
                        return; // the container calls back
                    }
                    for (ByteBuffer bytes; (bytes = pending.take()) != null;) {
                        report.bytesOut(bytes.remaining());
                        ResponseBody.gather(response, out, bytes, contentLength, window);
                        pending.recycle(bytes);
                    }
                    if (!whole) {
                        return;
                    }
                } else if (pending.isEmpty() && unsent == null && !ended && !headAtOnce) {
                    return; // the head goes with the first body bytes
                }
                applyHead();
            }
            writePending();
            window.settle();
            clientBehind = unsent != null || window.owes() || !pending.isEmpty();
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

    private void writePending() throws IOException {
        if (!out.isReady()) {
            return;
        }
        window.settleOwed();
        if (unsent != null) {
            if (!writeSlices(unsent, ended && pending.isEmpty())) {
                return;
            }
            pending.recycle(unsent);
            unsent = null;
        }
        for (;;) {
            boolean last = ended;
            ByteBuffer bytes = pending.take();
            if (bytes == null) {
                if (last) {
                    // Sent by this thread, usually the reactor's that read the end: complete()
                    // alone would leave the answer in the container's buffer until a container
                    // thread takes the dispatch, which under load is the longest wait of all.
                    out.flush();
                    if (!out.isReady()) {
                        return;
                    }
                    finish();
                } else if (headAtOnce && !response.isCommitted()) {
                    out.flush();
                }
                return;
            }
            if (!writeSlices(bytes, last)) {
                unsent = bytes;
                return;
            }
            pending.recycle(bytes);
        }
    }

    /** {@link ResponseBody#writeSlices}, counting what the client's connection took. */
    private boolean writeSlices(ByteBuffer bytes, boolean endsBody) throws IOException {
        int before = bytes.remaining();
        try {
            return ResponseBody.writeSlices(out, bytes, endsBody, contentLength, containerBuffer, window);
        } finally {
            report.bytesOut(before - bytes.remaining());
        }
    }

    private void applyHead() {
        headApplied = true;
        containerBuffer = body.containerBuffer(response, containerBuffer);
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
        if (ended && (body == ResponseBody.GATHERED || headApplied)) {
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
        pending.clear();
        pending.append(ByteBuffer.wrap(body));
        contentLength = body.length;
        ended = true;
        return true;
    }

    private void finish() {
        done = true;
        unsent = null;
        pending.clear();
        try {
            async.complete();
        } catch (IllegalStateException alreadyOver) {
            // The container ended the request first (client error path); nothing left to do.
        }
    }
}
