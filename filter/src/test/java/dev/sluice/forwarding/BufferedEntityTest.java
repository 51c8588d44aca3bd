package dev.sluice.forwarding;

import dev.sluice.upstream.LaneThread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.junit.jupiter.api.Test;

/**
 * A body read whole into pooled arrays: every attempt sends the same bytes, and the arrays go back
 * to the pool only once no producer over them can be called again.
 */
class BufferedEntityTest {
    private final BodyBuffers buffers = new BodyBuffers(64 * 1024);

    @Test
    void everyAttemptSendsTheWholeBody() throws IOException {
        BufferedEntity body = pooledBody(20_000);
        assertArrayEquals(expected(20_000), sendAll(body));
        assertArrayEquals(expected(20_000), sendAll(body.replay()));
    }

    @Test
    void theArraysGoBackOnceTheOnlyAttemptSentTheBodyWhole() throws IOException {
        BufferedEntity body = pooledBody(20_000);
        sendAll(body);
        body.recycle();
        assertEquals(2, buffers.pooled());
        body.recycle();
        assertEquals(2, buffers.pooled(), "given back once only");
    }

    @Test
    void anAttemptStoppedHalfWayKeepsTheArraysFromThePool() throws IOException {
        BufferedEntity body = pooledBody(20_000);
        body.produce(new Channel(1_000));
        body.recycle();
        assertEquals(0, buffers.pooled(), "HttpClient may still call the producer");
    }

    @Test
    void aRetryMustAlsoHaveSentTheBodyWhole() throws IOException {
        BufferedEntity body = pooledBody(20_000);
        sendAll(body);
        BufferedEntity retry = body.replay();
        body.recycle();
        assertEquals(0, buffers.pooled(), "the retry has not sent it yet");
        sendAll(retry);
        body.recycle();
        assertEquals(2, buffers.pooled());
    }

    @Test
    void aBodyOverSeveralArraysGoesOutInOneWriteFromALaneThread() throws InterruptedException {
        BufferedEntity body = pooledBody(40_000);
        Channel channel = new Channel(Integer.MAX_VALUE);
        Thread lane = LaneThread.factory("test-lane").newThread(() -> {
            try {
                body.produce(channel);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        lane.start();
        lane.join();
        assertEquals(1, channel.writes, "three arrays, one socket write");
        assertTrue(channel.ended);
        assertArrayEquals(expected(40_000), channel.written.toByteArray());
    }

    @Test
    void noArrayLargerThanAChunkIsHandedOut() {
        assertEquals(BodyBuffers.CHUNK, buffers.take().length);
    }

    // ---- helpers ----

    private static byte[] expected(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return bytes;
    }

    /** The body {@link #expected} as {@link WholeBody} lays it out: full chunks, then the rest. */
    private BufferedEntity pooledBody(int length) {
        byte[] bytes = expected(length);
        List<byte[]> arrays = new ArrayList<>();
        List<ByteBuffer> chunks = new ArrayList<>();
        for (int offset = 0; offset < length; offset += BodyBuffers.CHUNK) {
            byte[] array = buffers.take();
            int n = Math.min(BodyBuffers.CHUNK, length - offset);
            System.arraycopy(bytes, offset, array, 0, n);
            arrays.add(array);
            chunks.add(ByteBuffer.wrap(array, 0, n));
        }
        return new BufferedEntity(chunks, length, arrays, buffers);
    }

    /**
     * Calls the producer as HttpClient does, until it ends the stream, and returns what it wrote.
     * The channel takes 5,000 bytes per call, so that calls end inside arrays and across them.
     */
    private static byte[] sendAll(BufferedEntity body) throws IOException {
        Channel channel = new Channel(5_000);
        while (!channel.ended) {
            channel.room = 5_000;
            body.produce(channel);
        }
        return channel.written.toByteArray();
    }

    /** Takes up to {@code room} bytes per produce call, as a socket that fills up would. */
    private static final class Channel implements DataStreamChannel {
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private int room;
        private int writes;
        private boolean ended;

        Channel(int room) {
            this.room = room;
        }

        @Override
        public void requestOutput() {
        }

        @Override
        public int write(ByteBuffer src) {
            writes++;
            int n = Math.min(room, src.remaining());
            byte[] bytes = new byte[n];
            src.get(bytes);
            written.write(bytes, 0, n);
            room -= n;
            return n;
        }

        @Override
        public void endStream() {
            ended = true;
        }

        @Override
        public void endStream(List<? extends Header> trailers) {
            ended = true;
        }
    }
}
