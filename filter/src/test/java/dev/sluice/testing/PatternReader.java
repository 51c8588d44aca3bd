package dev.sluice.testing;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A client's listener for one binary message of {@link WebSocketOrigin#pattern}, checked byte by
 * byte as it arrives and kept nowhere (the tests' JVM has a small heap, shared with the container
 * and the node). Made not reading, it asks for nothing until the test calls {@code request}.
 */
public final class PatternReader implements WebSocket.Listener {
    /** The message's length once it arrived whole and in order. */
    public final CompletableFuture<Long> whole = new CompletableFuture<>();
    private final boolean reading;
    private long at;

    public PatternReader(boolean reading) {
        this.reading = reading;
    }

    @Override
    public void onOpen(WebSocket socket) {
        if (reading) {
            socket.request(Long.MAX_VALUE);
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
        while (data.hasRemaining()) {
            if (data.get() != WebSocketOrigin.patternAt(at)) {
                whole.completeExceptionally(new AssertionError("the message differs at byte " + at));
                return null;
            }
            at++;
        }
        if (last) {
            whole.complete(at);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
        whole.completeExceptionally(new AssertionError("closed with " + status + " after " + at + " bytes"));
        return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
        whole.completeExceptionally(error);
    }
}
