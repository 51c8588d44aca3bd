package dev.sluice.forwarding;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A request body whose declared length fits the request buffer, read whole into pooled arrays
 * before the upstream is called, then handed on as a {@link BufferedEntity}: one hand-off, a
 * Content-Length, and replayable. Container threads only, one at a time.
 */
final class WholeBody implements ReadListener {
    private final ServletInputStream in;
    private final long length;
    private final BodyBuffers buffers;
    private final RequestBody.Sink sink;
    /** The pooled arrays the body is read into, filled one after the other. */
    private final List<byte[]> arrays;
    /** The container said the body was read to its end ({@link #onAllDataRead}). */
    private boolean endSignalled;
    /** The body was handed on, or reported short: nothing more is read. */
    private boolean ended;
    /** Bytes of the body read, every array but the last one full. */
    private long filled;
    /** Reads that found the end, with bytes missing, since the last byte came. */
    private int shortEnds;

    /** @param length the declared Content-Length, at most the buffers' limit */
    WholeBody(ServletInputStream in, long length, BodyBuffers buffers, RequestBody.Sink sink) {
        this.in = in;
        this.length = length;
        this.buffers = buffers;
        this.sink = sink;
        this.arrays = new ArrayList<>((int) ((length + BodyBuffers.CHUNK - 1) / BodyBuffers.CHUNK));
    }

    @Override
    public void onDataAvailable() throws IOException {
        read();
    }

    /** A signal, not the end itself (see {@link RequestBody}): the body is handed on once all its declared bytes are in too. */
    @Override
    public void onAllDataRead() throws IOException {
        endSignalled = true;
        read();
    }

    @Override
    public void onError(Throwable cause) {
        sink.bodyFailed(cause);
    }

    /**
     * Fills each array before taking the next, as Tomcat hands over 8 KiB at a time. The body is
     * handed on once all its declared bytes are in and the container has signalled the end,
     * whichever comes last.
     */
    private void read() throws IOException {
        while (!ended && in.isReady()) {
            if (filled == length) {
                // The container still says ready with every declared byte in: the end is there to
                // be read. Jetty learns of it only by that read, and signals it only then; once it
                // has, another read would make it signal again.
                if (!endSignalled && in.read() >= 0) {
                    throw new IOException("request body longer than its Content-Length");
                }
                break;
            }
            int offset = (int) (filled % BodyBuffers.CHUNK);
            if (offset == 0) {
                arrays.add(buffers.take());
            }
            int n = in.read(arrays.get(arrays.size() - 1), offset, (int) Math.min(BodyBuffers.CHUNK - offset, length - filled));
            if (n < 0) {
                // Tomcat's HTTP/2 streams can show the end once before the last bytes (see
                // RequestBody); Jetty shows a body consumed before Sluice as an end again after
                // every read of it, which would keep a container thread reading.
                if (endSignalled && ++shortEnds > 1 && !ended) {
                    ended = true;
                    arrays.forEach(buffers::give);
                    sink.bodyEndedShort(filled);
                }
                return;
            }
            shortEnds = 0;
            filled += n;
        }
        if (filled == length && endSignalled && !ended) {
            ended = true;
            List<ByteBuffer> chunks = new ArrayList<>(arrays.size());
            long left = filled;
            for (byte[] array : arrays) {
                int n = (int) Math.min(BodyBuffers.CHUNK, left);
                chunks.add(ByteBuffer.wrap(array, 0, n));
                left -= n;
            }
            sink.bodyReady(new BufferedEntity(chunks, filled, arrays, buffers));
        }
    }
}
