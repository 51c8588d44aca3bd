package dev.sluice.forwarding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * A request body that was read whole before the upstream was called. It is sent with a
 * Content-Length and can be sent again (each attempt gets its own producer over the same bytes).
 */
final class BufferedEntity extends BodyEntity {
    private final List<ByteBuffer> chunks;
    private int next;
    private ByteBuffer current;

    BufferedEntity(List<ByteBuffer> chunks, long length) {
        super(length);
        this.chunks = chunks;
    }

    /** A fresh producer over the same bytes, for another attempt. */
    BufferedEntity replay() {
        return new BufferedEntity(chunks, getContentLength());
    }

    @Override
    public int available() {
        return next < chunks.size() || current != null ? (int) Math.min(Integer.MAX_VALUE, Math.max(1, getContentLength())) : 1;
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        for (;;) {
            if (current == null) {
                if (next == chunks.size()) {
                    channel.endStream();
                    return;
                }
                current = chunks.get(next++).duplicate();
            }
            channel.write(current);
            if (current.hasRemaining()) {
                return;
            }
            current = null;
        }
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public void releaseResources() {
        current = null;
    }
}
