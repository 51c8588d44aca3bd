package dev.sluice.forwarding;

import dev.sluice.upstream.LaneThread;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * A request body that was read whole before the upstream was called. It is sent with a
 * Content-Length and can be sent again (each attempt gets its own producer over the same bytes).
 *
 * <p>A body read into pooled arrays gives them back through {@link #recycle()} once the exchange
 * has its answer, but only if every producer made over the bytes has sent them to the end: a
 * producer that stopped half-way might still be called by HttpClient, and an array reused by
 * another request would then send that request's bytes to this one's upstream.
 */
final class BufferedEntity extends BodyEntity {
    private final List<ByteBuffer> chunks;
    /** The pooled arrays behind {@link #chunks}, or {@code null} when they are not pooled. */
    private final Loan loan;
    /** Reactor thread only: the first chunk not sent whole, and how much of it was sent. */
    private int next;
    private int sentOfNext;
    /** Reactor thread only: this producer has sent everything. */
    private boolean ended;

    /** A body over arrays that are not pooled. */
    BufferedEntity(List<ByteBuffer> chunks, long length) {
        this(chunks, length, null);
    }

    /** A body over pooled arrays, given back to {@code buffers} by {@link #recycle()}. */
    BufferedEntity(List<ByteBuffer> chunks, long length, List<byte[]> arrays, BodyBuffers buffers) {
        this(chunks, length, new Loan(arrays, buffers));
    }

    private BufferedEntity(List<ByteBuffer> chunks, long length, Loan loan) {
        super(length);
        this.chunks = chunks;
        this.loan = loan;
    }

    /** A fresh producer over the same bytes, for another attempt. */
    BufferedEntity replay() {
        if (loan != null) {
            loan.unfinished.incrementAndGet();
        }
        return new BufferedEntity(chunks, getContentLength(), loan);
    }

    /**
     * Gives the pooled arrays back if every producer over them has sent them whole; otherwise, or
     * when called again, does nothing. Call it once no further attempt will be made.
     */
    void recycle() {
        if (loan != null && loan.unfinished.compareAndSet(0, -1)) {
            for (byte[] array : loan.arrays) {
                loan.buffers.give(array);
            }
        }
    }

    @Override
    public int available() {
        return next < chunks.size() ? (int) Math.min(Integer.MAX_VALUE, Math.max(1, getContentLength())) : 1;
    }

    /**
     * Sends what is left, gathered from the chunks into the lane's {@linkplain LaneThread#gather
     * staging buffer} so that a body spread over several arrays takes one socket write, not one
     * per array.
     */
    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        for (;;) {
            ByteBuffer staging = LaneThread.gather(chunks.listIterator(next), sentOfNext);
            if (!staging.hasRemaining()) {
                channel.endStream();
                if (!ended) {
                    ended = true;
                    if (loan != null) {
                        loan.unfinished.decrementAndGet();
                    }
                }
                return;
            }
            int written = channel.write(staging);
            skip(written);
            if (staging.hasRemaining()) {
                return;
            }
        }
    }

    /** Counts {@code sent} more bytes as sent. */
    private void skip(int sent) {
        int left = sent;
        while (left > 0) {
            int rest = chunks.get(next).remaining() - sentOfNext;
            if (left < rest) {
                sentOfNext += left;
                return;
            }
            left -= rest;
            next++;
            sentOfNext = 0;
        }
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public void releaseResources() {
        // Nothing to let go of: the arrays go back through recycle(), once no attempt needs them.
    }

    /**
     * Pooled arrays lent to a body, and how many of its producers have not sent it whole yet
     * (the first producer counts from the start; -1 once the arrays went back).
     */
    private static final class Loan {
        private final List<byte[]> arrays;
        private final BodyBuffers buffers;
        private final AtomicInteger unfinished = new AtomicInteger(1);

        Loan(List<byte[]> arrays, BodyBuffers buffers) {
            this.arrays = arrays;
            this.buffers = buffers;
        }
    }
}
