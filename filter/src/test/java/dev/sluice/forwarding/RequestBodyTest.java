package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * How a request body is read in each of its two modes, and how a body of declared length small
 * enough to be read whole meets a container's end of input, driven through a scripted input
 * stream as containers drive the listener.
 */
class RequestBodyTest {
    /** An input stream whose reads answer from a script: a byte count, or -1 for the end. */
    private static final class ScriptedInput extends ServletInputStream {
        private final Deque<Integer> reads = new ArrayDeque<>();
        int readCalls;

        ScriptedInput(Integer... script) {
            reads.addAll(List.of(script));
        }

        @Override
        public boolean isReady() {
            return !reads.isEmpty();
        }

        @Override
        public boolean isFinished() {
            return reads.isEmpty();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            // driven by the test
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            readCalls++;
            int n = reads.remove();
            return n < 0 ? -1 : Math.min(n, len);
        }
    }

    private static final class RecordingSink implements RequestBody.Sink {
        final List<Long> ready = new ArrayList<>();
        final List<Long> endedShort = new ArrayList<>();
        Throwable failed;

        @Override
        public void bodyReady(BodyEntity entity) {
            ready.add(entity.getContentLength());
        }

        @Override
        public void bodyFailed(Throwable cause) {
            failed = cause;
        }

        @Override
        public void bodyEndedShort(long received) {
            endedShort.add(received);
        }
    }

    @Test
    void aBodyWhoseEndComesAgainAndAgainWithBytesMissingIsReportedShortOnce() throws Exception {
        // Jetty, for a body consumed before Sluice: each read finds the end, and each end read
        // brings another onAllDataRead.
        ScriptedInput in = new ScriptedInput(-1, -1, -1, -1);
        RecordingSink sink = new RecordingSink();
        ReadListener body = RequestBody.reader(in, 7, new BodyBuffers(65_536), sink);
        for (int i = 0; i < 4; i++) {
            body.onAllDataRead();
        }
        assertEquals(List.of(0L), sink.endedShort);
        assertEquals(List.of(), sink.ready);
        assertEquals(2, in.readCalls, "no read once the body was reported short");
        assertNull(sink.failed);
    }

    @Test
    void oneEarlyEndBeforeTheLastBytesStillGivesTheWholeBody() throws Exception {
        // Tomcat's HTTP/2 streams can show the end once before the last DATA frame's bytes.
        ScriptedInput in = new ScriptedInput(3, -1);
        RecordingSink sink = new RecordingSink();
        ReadListener body = RequestBody.reader(in, 7, new BodyBuffers(65_536), sink);
        body.onDataAvailable();
        body.onAllDataRead();
        in.reads.add(4);
        body.onDataAvailable();
        assertEquals(List.of(7L), sink.ready);
        assertEquals(List.of(), sink.endedShort);
    }

    @Test
    void aChunkedBodyThatEndsWithinTheBufferGoesUpWithItsLength() throws Exception {
        ScriptedInput in = new ScriptedInput(5, 4);
        RecordingSink sink = new RecordingSink();
        ReadListener body = RequestBody.reader(in, -1, new BodyBuffers(65_536), sink);
        body.onDataAvailable();
        assertEquals(List.of(), sink.ready, "not before the container signalled the end");
        body.onAllDataRead();
        assertEquals(List.of(9L), sink.ready);
    }

    @Test
    void aChunkedBodyLongerThanTheBufferStreamsBeforeItsEnd() throws Exception {
        ScriptedInput in = new ScriptedInput(5, 4, 3);
        RecordingSink sink = new RecordingSink();
        ReadListener body = RequestBody.reader(in, -1, new BodyBuffers(8), sink);
        body.onDataAvailable();
        assertEquals(List.of(-1L), sink.ready, "handed on at once, of unknown length");
    }
}
