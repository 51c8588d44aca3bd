package dev.sluice.forwarding;

import dev.sluice.upstream.LaneThread;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * A request body of unknown length, or longer than the request buffer, read into a bounded queue
 * of pooled arrays. One that ends within {@code limit} bytes becomes a {@link BufferedEntity}:
 * one hand-off, a Content-Length, and replayable. A longer body streams: this object becomes the
 * HttpClient producer, and at most about {@code limit} bytes wait between the two sides. When
 * that much waits, reading stops (the container then stops reading the socket, so the client is
 * slowed down rather than buffered) and the producer resumes it once the upstream has taken half.
 *
 * <p>Threads: container threads call the listener methods, the I/O reactor calls the producer
 * methods, and only one of them reads the servlet stream at a time: the reader that finds the
 * queue full hands reading over through {@code paused}, and the producer takes it back.
 */
final class StreamedBody extends BodyEntity implements ReadListener {
    private final ServletInputStream in;
    private final BodyBuffers buffers;
    private final int limit;
    private final RequestBody.Sink sink;
    private final Queue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();
    /** The container said the body was read to its end ({@link #onAllDataRead}); see {@link #tryEnd}. */
    private volatile boolean endSignalled;
    /** The body's end, declared once, by whoever confirms it: nothing more will be queued. */
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Threads inside {@link #readAvailable} (at most one, by the hand-over protocol, but counted for {@link #tryEnd}). */
    private final AtomicInteger readers = new AtomicInteger();
    private volatile boolean streaming;
    private volatile DataStreamChannel channel;
    /**
     * Whether HttpClient has asked for any of the body: until it does, every byte read is still in
     * the queue, so an attempt whose connection never opened can hand the body to the next one.
     */
    private volatile boolean produced;
    /** Bytes read from the client so far; one reader at a time, by the hand-over protocol. */
    private volatile long received;

    /**
     * @param in the client's body, in non-blocking mode once this is its listener
     * @param length the declared Content-Length, or -1 when chunked
     * @param buffers the bytes held before the upstream is called, and in flight while streaming
     */
    StreamedBody(ServletInputStream in, long length, BodyBuffers buffers, RequestBody.Sink sink) {
        super(length);
        this.in = in;
        this.buffers = buffers;
        this.limit = buffers.limit();
        this.sink = sink;
    }

    /** Bytes read from the client so far. */
    long received() {
        return received;
    }

    @Override
    public void onDataAvailable() throws IOException {
        readAvailable();
    }

    /**
     * A signal, not the end itself (see {@link RequestBody}): the end is declared only when one
     * check made since this signal finds nothing left ({@link #tryEnd}), and what is left is read
     * first.
     */
    @Override
    public void onAllDataRead() throws IOException {
        endSignalled = true;
        if (!paused.get() && readers.get() == 0) {
            readAvailable();
        } else if (streaming) {
            // Reading is handed over to the producer (or under way): it ends the body when done.
            wakeProducer();
        }
    }

    /**
     * Declares the end of a body read into the queue once the container has signalled it and, with
     * no reader inside, the input reports itself finished; the readers counted again after, so
     * that bytes taken meanwhile are in the queue before the end is declared.
     */
    private void tryEnd() {
        if (readers.get() != 0 || !atEnd() || readers.get() != 0 || !ended.compareAndSet(false, true)) {
            return;
        }
        if (streaming) {
            wakeProducer();
        } else {
            sink.bodyReady(new BufferedEntity(List.copyOf(queue), queued.get()));
        }
    }

    /**
     * The end has been signalled and, checked since, nothing is left. Reading on would find only
     * the end again, and Jetty answers every read of the end with another {@code onAllDataRead},
     * whose read would bring another: a busy loop on a container thread until the exchange ends.
     */
    private boolean atEnd() {
        return endSignalled && in.isFinished();
    }

    @Override
    public void onError(Throwable cause) {
        sink.bodyFailed(cause);
    }

    private void readAvailable() throws IOException {
        boolean added = false;
        readers.incrementAndGet();
        try {
            while (!atEnd() && in.isReady()) {
                if (queued.get() > limit) {
                    paused.set(true);
                    // The producer may have drained everything between our check and the flag.
                    if (queued.get() > limit || !paused.compareAndSet(true, false)) {
                        return;
                    }
                    continue;
                }
                byte[] chunk = buffers.take();
                int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                queue.add(ByteBuffer.wrap(chunk, 0, n));
                received += n;
                added = true;
                if (queued.addAndGet(n) > limit && !streaming) {
                    streaming = true;
                    sink.bodyReady(this);
                }
            }
        } finally {
            readers.decrementAndGet();
            if (added && streaming) {
                wakeProducer();
            }
        }
        tryEnd();
    }

    private void wakeProducer() {
        DataStreamChannel ch = channel;
        if (ch != null) {
            ch.requestOutput();
        }
    }

    @Override
    public int available() {
        long waiting = queued.get();
        if (waiting > 0) {
            return (int) Math.min(Integer.MAX_VALUE, waiting);
        }
        return ended.get() ? 1 : 0;
    }

    @Override
    public void produce(DataStreamChannel ch) throws IOException {
        produced = true;
        channel = ch;
        for (;;) {
            // Read before gathering: once the end is declared, every byte is in the queue.
            boolean end = ended.get();
            ByteBuffer staging = LaneThread.gather(queue.iterator(), 0);
            if (!staging.hasRemaining()) {
                if (end) {
                    ch.endStream();
                }
                break;
            }
            int written = ch.write(staging);
            queued.addAndGet(-written);
            skip(written);
            if (staging.hasRemaining()) {
                break;
            }
        }
        if (paused.get() && queued.get() <= limit / 2 && paused.compareAndSet(true, false)) {
            try {
                readAvailable();
            } catch (IOException e) {
                sink.bodyFailed(e);
            }
        }
    }

    /**
     * Takes {@code sent} bytes off the head of the queue: the chunks sent whole, whose arrays go
     * back to the pool, and the position of the one sent in part. Only the producer reads the
     * queued chunks once they are queued, so it may move them and, once sent, reuse them.
     */
    private void skip(int sent) {
        int left = sent;
        while (left > 0) {
            ByteBuffer head = queue.peek();
            int n = Math.min(left, head.remaining());
            head.position(head.position() + n);
            left -= n;
            if (!head.hasRemaining()) {
                queue.poll();
                buffers.give(head.array());
            }
        }
    }

    /**
     * Whether the upstream side has sent everything the client has given so far and waits for
     * more: the client, not the upstream, is what holds the exchange up.
     */
    boolean waitingForClient() {
        return !ended.get() && queued.get() == 0;
    }

    /**
     * Whether no attempt has taken any of the body yet, so that it can still go to another node
     * whole: what was read waits in the queue (reading paused once {@code limit} bytes wait), and
     * the rest is still the client's to send.
     */
    boolean untouched() {
        return !produced;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    /**
     * HttpClient calls this as each attempt ends. The queue is kept for the next attempt while no
     * attempt has taken any of it (a connection that never opened); otherwise it is dropped.
     */
    @Override
    public void releaseResources() {
        if (produced) {
            queue.clear();
        }
    }
}
