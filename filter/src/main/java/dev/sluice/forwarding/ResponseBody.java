package dev.sluice.forwarding;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The three ways a response's body is relayed, and how each puts bytes into the servlet output:
 * a small body of declared length is gathered whole in the container's buffer before anything is
 * sent, any other goes out as it comes, one flushed slice at a time.
 */
enum ResponseBody {
    /** No body: the head alone, then the end. */
    NONE,
    /** Small enough to be gathered whole before anything is sent (see {@link #gather}). */
    GATHERED,
    /** Too large to gather, or of unknown length: it goes out as it comes, in slices ({@link #writeSlices}). */
    STREAMED;

    /**
     * Bodies up to this length (and the window) are gathered whole before anything is sent.
     * Gathering delays the first byte by the time the upstream takes to send the rest, which for
     * a few tens of KiB is one or two socket reads; larger bodies stream as they come.
     */
    private static final int WHOLE_BODY_LIMIT = 64 * 1024;
    /**
     * The least container buffer a streamed body is written through, so the most one flush sends.
     * Tomcat's default is 8 KiB, and each flush costs its non-blocking bookkeeping and at least
     * one socket write. With Tomcat's socket write buffer raised as tomcat-config does, 64 KiB
     * slices took about a quarter off the CPU per byte of a 10 MiB download; at its default they
     * measure level. A slow client holds at most one slice in the container; the rest waits in
     * the window.
     */
    private static final int STREAM_SLICE = 64 * 1024;
    private static final String EVENT_STREAM = "text/event-stream";

    /**
     * The longest body gathered whole: gathering more than the window would stall the upstream,
     * as nothing is credited until the write.
     */
    static int wholeBodyLimit(int window) {
        return Math.min(WHOLE_BODY_LIMIT, window);
    }

    /** The mode for a body of this length (-1 when not declared). */
    static ResponseBody of(long contentLength, int wholeBodyLimit) {
        return contentLength >= 0 && contentLength <= wholeBodyLimit ? GATHERED : STREAMED;
    }

    /** Whether the body is an event stream, whose head goes to the client at once: its first event may come much later. */
    static boolean isEventStream(String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, EVENT_STREAM, 0, EVENT_STREAM.length());
    }

    /**
     * The container buffer a body in this mode is written through, set as its head applies: a
     * streamed body's is enlarged to {@link #STREAM_SLICE}.
     *
     * @param current the container buffer's size now
     */
    int containerBuffer(HttpServletResponse response, int current) {
        if (this == STREAMED && current < STREAM_SLICE) {
            response.setBufferSize(STREAM_SLICE);
            return STREAM_SLICE;
        }
        return current;
    }

    /**
     * Puts body bytes into the container's response buffer, first sized to hold the whole body;
     * only when {@code isReady()} said so, as the container demands even of writes it will only
     * buffer (right after the listener is set it says no until its first call back).
     * Nothing is sent: the head is not applied yet and the buffer does not fill, so the response
     * stays uncommitted until the body is whole, and an upstream failure half-way through can
     * still be answered with a clean 502. The bytes are copied once, into a buffer the container
     * keeps for its next responses.
     */
    static void gather(HttpServletResponse response, ServletOutputStream out, ByteBuffer bytes, long contentLength,
            FlowWindow window) throws IOException {
        if (response.getBufferSize() < contentLength) {
            // Only before the first byte: once the buffer holds the body, it is never smaller.
            response.setBufferSize((int) contentLength);
        }
        int length = bytes.remaining();
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), length);
        bytes.position(bytes.limit());
        window.accepted(length);
    }

    /**
     * Writes one slice of the container's buffer size at a time and flushes each. A slice goes
     * into the container's buffer whole and the flush sends it, so nothing is left behind in
     * Tomcat's socket buffer and the output stays ready for as long as the client keeps up: the
     * reactor thread moves the body on its own, as a blocking proxy's thread would, without a
     * dispatch. (A larger write leaves its last 8 KiB in the socket buffer: isReady() turns false,
     * which costs a poller round trip and a container dispatch, and the pieces after the first are
     * copied into fresh heap buffers first.) A body the buffer holds whole, and the last slice of
     * a finished body, are left for the one flush that ends the response.
     *
     * @param endsBody whether these are the body's last bytes
     * @param contentLength the body's declared length, or -1
     * @param containerBuffer the container buffer's size
     * @return whether the client took all of them and can take more; if not, the rest stays in
     *         {@code bytes} to be written when the container calls back
     */
    static boolean writeSlices(ServletOutputStream out, ByteBuffer bytes, boolean endsBody, long contentLength,
            int containerBuffer, FlowWindow window) throws IOException {
        boolean fitsContainerBuffer = contentLength >= 0 && contentLength <= containerBuffer;
        while (bytes.hasRemaining()) {
            int length = Math.min(bytes.remaining(), containerBuffer);
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), length);
            bytes.position(bytes.position() + length);
            boolean leftForComplete = fitsContainerBuffer || (endsBody && !bytes.hasRemaining());
            if (!leftForComplete && out.isReady()) {
                out.flush();
            }
            if (!out.isReady()) {
                window.writtenAhead(length);
                return false;
            }
            window.accepted(length);
        }
        return true;
    }
}
