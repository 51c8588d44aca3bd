package dev.sluice.forwarding;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

/**
 * The client's request body on its way upstream, read with Servlet non-blocking I/O in one of two
 * modes: a body whose declared length fits {@code sluice.request-buffer} is read whole before the
 * upstream is called ({@link WholeBody}); any other is read into a bounded queue and streams once
 * more than that has come ({@link StreamedBody}).
 *
 * <p>Both take the container's {@code onAllDataRead} as a signal, not as the end itself. Tomcat's
 * HTTP/2 streams can report all data read while the last DATA frame's bytes are still to be read:
 * their check reads the stream's buffer, then its end-of-stream flag, and the connection thread
 * fills the buffer and sets the flag without the check's lock, so a check that reads the buffer
 * just before it is filled and the flag just after it is set finds an empty buffer at the end of
 * the stream. Ending there cut the last few KiB off about one upload in fifty, or left one with a
 * declared length hanging. So what is left is read first, and the end is declared only once a
 * check made since the signal finds nothing left.
 */
final class RequestBody {
    /** Who learns when the body is ready to send, or broken. */
    interface Sink {
        /** The upstream call can start with this entity. Called once. */
        void bodyReady(BodyEntity entity);

        /** The client's body could not be read. */
        void bodyFailed(Throwable cause);

        /**
         * The container reported the end of a body of declared length before all of it came:
         * something before Sluice read it in a way the checks at the start cannot see. Called once,
         * and then nothing else.
         */
        void bodyEndedShort(long received);
    }

    private RequestBody() {
    }

    /**
     * The listener that reads the body in the mode its length calls for.
     *
     * @param in the client's body, in non-blocking mode once the listener is set
     * @param length the declared Content-Length, or -1 when chunked
     * @param buffers the bytes held before the upstream is called (and in flight while streaming),
     *        and the arrays a body that fits is read into
     */
    static ReadListener reader(ServletInputStream in, long length, BodyBuffers buffers, Sink sink) {
        return length > 0 && length <= buffers.limit()
                ? new WholeBody(in, length, buffers, sink)
                : new StreamedBody(in, length, buffers, sink);
    }
}
