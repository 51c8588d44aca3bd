package dev.sluice.forwarding;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The response body's bytes on their way into the servlet output, for the relay's serialised part:
 * those that wait ({@link PendingBytes}, and any the client could not take whole) go first, in
 * order; a streamed body in flushed slices ({@link ResponseBody#writeSlices}), a gathered one into
 * the container's buffer ({@link ResponseBody#gather}). Each write credits the {@link FlowWindow} for
 * what the output accepted and counts the bytes for the {@link ResponseReport}.
 *
 * <p>{@link #append} and {@link #end} may come from HttpClient's reactor thread while another
 * thread drains; everything else runs in the relay's serialised part only.
 */
final class ResponseOutput {
    private final HttpServletResponse response;
    private final ServletOutputStream out;
    private final FlowWindow window;
    private final ResponseReport report;
    private final PendingBytes pending = new PendingBytes();
    /** Whether the body has ended: every append happens before it. */
    private volatile boolean ended;
    /**
     * The container's response buffer, enlarged for a streamed body once its head applies: a body
     * that fits it never reaches the socket before its end.
     */
    private int containerBuffer;
    /** Bytes taken from {@link #pending} that the client could not take yet: they go before anything newer. */
    private ByteBuffer unsent;

    ResponseOutput(HttpServletResponse response, ServletOutputStream out, FlowWindow window, ResponseReport report) {
        this.response = response;
        this.out = out;
        this.window = window;
        this.report = report;
        this.containerBuffer = response.getBufferSize();
    }

    /** Keeps body bytes the client cannot take now; any thread. */
    void append(ByteBuffer src) {
        pending.append(src);
    }

    /** The body has no more bytes to come; any thread, after its last {@link #append}. */
    void end() {
        ended = true;
    }

    boolean ended() {
        return ended;
    }

    /** Whether bytes wait to be written before any newer ones. */
    boolean waiting() {
        return unsent != null || !pending.isEmpty();
    }

    /** Whether the client is behind: bytes wait, or some it was written are not accepted yet. */
    boolean behind() {
        return unsent != null || window.owes() || !pending.isEmpty();
    }

    /** Sizes the container's buffer for a body in this mode, as its head applies. */
    void sizeFor(ResponseBody body) {
        containerBuffer = body.containerBuffer(response, containerBuffer);
    }

    /** Gathers bytes of a gathered body straight from HttpClient's buffer, if the output is ready. */
    void gatherNow(ByteBuffer src, long contentLength) throws IOException {
        int before = src.remaining();
        if (out.isReady()) {
            ResponseBody.gather(response, out, src, contentLength, window);
            report.bytesOut(before);
        }
    }

    /**
     * Gathers every waiting byte of a gathered body.
     *
     * @return whether the output was ready; if not, the container calls back
     */
    boolean gatherWaiting(long contentLength) throws IOException {
        if (!out.isReady()) {
            return false;
        }
        for (ByteBuffer bytes; (bytes = pending.take()) != null;) {
            report.bytesOut(bytes.remaining());
            ResponseBody.gather(response, out, bytes, contentLength, window);
            pending.recycle(bytes);
        }
        return true;
    }

    /** Writes bytes of a streamed body straight from HttpClient's buffer, as far as the client takes them. */
    void writeNow(ByteBuffer src, long contentLength) throws IOException {
        int before = src.remaining();
        if (!out.isReady()) {
            return;
        }
        window.settleOwed();
        ResponseBody.writeSlices(out, src, false, contentLength, containerBuffer, window);
        report.bytesOut(before - src.remaining());
    }

    /**
     * Writes what waits, oldest first, while the client takes it.
     *
     * @param headAtOnce whether the head goes out as soon as it arrives (an event stream's): flushed
     *        when no body bytes are there to take it along
     * @return whether the whole body went out and the client can take more: the response can complete
     */
    boolean writeWaiting(long contentLength, boolean headAtOnce) throws IOException {
        if (!out.isReady()) {
            return false;
        }
        window.settleOwed();
        if (unsent != null) {
            if (!writeSlices(unsent, ended && pending.isEmpty(), contentLength)) {
                return false;
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
                    return out.isReady();
                } else if (headAtOnce && !response.isCommitted()) {
                    out.flush();
                }
                return false;
            }
            if (!writeSlices(bytes, last, contentLength)) {
                unsent = bytes;
                return false;
            }
            pending.recycle(bytes);
        }
    }

    /** {@link ResponseBody#writeSlices}, counting what the client's connection took. */
    private boolean writeSlices(ByteBuffer bytes, boolean endsBody, long contentLength) throws IOException {
        int before = bytes.remaining();
        try {
            return ResponseBody.writeSlices(out, bytes, endsBody, contentLength, containerBuffer, window);
        } finally {
            report.bytesOut(before - bytes.remaining());
        }
    }

    /** Drops whatever waits, and waits with this body instead: the short answer to a failure. */
    void replaceWith(byte[] body) {
        pending.clear();
        pending.append(ByteBuffer.wrap(body));
    }

    /** Drops whatever waits: the response is over. */
    void clear() {
        unsent = null;
        pending.clear();
    }
}
