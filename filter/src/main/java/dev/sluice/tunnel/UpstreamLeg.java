package dev.sluice.tunnel;

import dev.sluice.upstream.TunnelCounters.Closer;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.ProtocolIOSession;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.reactor.ssl.TransportSecurityLayer;
import org.apache.hc.core5.util.Timeout;

/**
 * The upstream side of one handshake attempt, on the tunnel reactor's thread: connects (with TLS
 * for an {@code https} upstream, host name checked unless {@code tls.insecure}), writes the
 * handshake's head, reads the answer's head (at most {@link UpstreamAnswer#MAX_HEAD} bytes) and,
 * for anything but 101, a body of declared length up to 64 KiB. On 101 the session becomes the
 * tunnel's upstream side, and the bytes the upstream sent after its head go to the client first.
 */
final class UpstreamLeg implements IOEventHandler {
    static final int MAX_RELAYED_BODY = 64 * 1024;
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Chunks.CHUNK));

    /** A connection to the node never opened: the handshake may go to another node. */
    static final class NotConnected extends IOException {
        NotConnected(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The upstream's answer other than 101, with its body (empty when none or not declared). */
    record Refusal(UpstreamAnswer answer, byte[] body) {
    }

    private final Tunnel tunnel;
    private final ByteBuffer head;
    private final SSLContext tls;
    private final NamedEndpoint node;
    private final boolean checkHost;
    private final Timeout responseTimeout;
    private final Timeout idleTimeout;
    /** Completes with {@code null} on 101, or with the refusal to relay. */
    final CompletableFuture<Refusal> answer = new CompletableFuture<>();

    private ProtocolIOSession session;
    private boolean ready;
    private byte[] received = new byte[UpstreamAnswer.MAX_HEAD];
    private int receivedLength;
    private UpstreamAnswer refusal;
    private byte[] body;
    private int bodyLength;
    private boolean spliced;
    private volatile boolean abandoned;
    /** The node's 101, set before {@link #answer} completes. */
    private volatile UpstreamAnswer switched;

    UpstreamLeg(Tunnel tunnel, byte[] head, NamedEndpoint node, SSLContext tls, boolean checkHost, Timeout responseTimeout,
            Timeout idleTimeout) {
        this.tunnel = tunnel;
        this.node = node;
        this.head = ByteBuffer.wrap(head);
        this.tls = tls;
        this.checkHost = checkHost;
        this.responseTimeout = responseTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** The reactor made the session for this attempt. */
    IOEventHandler bind(ProtocolIOSession ioSession) {
        this.session = ioSession;
        return this;
    }

    /** For the connect request: a connection that never opened. */
    FutureCallback<IOSession> connectOutcome() {
        return new FutureCallback<>() {
            @Override
            public void completed(IOSession result) {
                // connected() follows
            }

            @Override
            public void failed(Exception ex) {
                answer.completeExceptionally(new NotConnected(ex));
            }

            @Override
            public void cancelled() {
                answer.completeExceptionally(new NotConnected(new ConnectException("connect cancelled")));
            }
        };
    }

    /** The node's 101, once {@link #answer} completed with {@code null}. */
    UpstreamAnswer switched() {
        return switched;
    }

    /** The container thread stopped waiting: whatever comes is dropped. */
    void abandon() {
        abandoned = true;
        ProtocolIOSession ioSession = session;
        if (ioSession != null) {
            ioSession.close(CloseMode.IMMEDIATE);
        }
    }

    @Override
    public void connected(IOSession ioSession) {
        if (abandoned) {
            ioSession.close(CloseMode.IMMEDIATE);
            return;
        }
        ioSession.setSocketTimeout(responseTimeout);
        if (tls == null) {
            startWriting(ioSession);
        } else if (!ready && session.getTlsDetails() == null) {
            ((TransportSecurityLayer) session).startTls(tls, node, SSLBufferMode.STATIC,
                    (endpoint, engine) -> {
                        if (checkHost) {
                            SSLParameters parameters = engine.getSSLParameters();
                            parameters.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(parameters);
                        }
                    }, null, responseTimeout, new FutureCallback<>() {
                        @Override
                        public void completed(TransportSecurityLayer result) {
                            startWriting(session);
                        }

                        @Override
                        public void failed(Exception ex) {
                            answer.completeExceptionally(ex);
                        }

                        @Override
                        public void cancelled() {
                            answer.completeExceptionally(new IOException("TLS handshake cancelled"));
                        }
                    });
        }
    }

    private void startWriting(IOSession ioSession) {
        ready = true;
        ioSession.setEvent(SelectionKey.OP_WRITE);
    }

    @Override
    public void outputReady(IOSession ioSession) throws IOException {
        if (spliced) {
            tunnel.writeUpstream(ioSession);
            return;
        }
        if (!ready) {
            ioSession.clearEvent(SelectionKey.OP_WRITE);
            return;
        }
        ioSession.write(head);
        if (!head.hasRemaining()) {
            ioSession.clearEvent(SelectionKey.OP_WRITE);
            ioSession.setEvent(SelectionKey.OP_READ);
        }
    }

    @Override
    public void inputReady(IOSession ioSession, ByteBuffer src) throws IOException {
        if (spliced) {
            relay(ioSession, src);
            return;
        }
        if (src != null) {
            take(src);
        }
        ByteBuffer buffer = READ_BUFFER.get();
        while (!answer.isDone()) {
            buffer.clear();
            buffer.limit(Math.min(buffer.capacity(), room()));
            int n = buffer.hasRemaining() ? ioSession.read(buffer) : 0;
            if (n < 0) {
                if (refusal != null) {
                    // a body ended by the connection's end: what came is what there is
                    answer.complete(new Refusal(refusal, Arrays.copyOf(body, bodyLength)));
                } else {
                    answer.completeExceptionally(new IOException("the node closed the connection before answering"));
                }
                ioSession.close(CloseMode.IMMEDIATE);
                return;
            }
            buffer.flip();
            take(buffer);
            if (n == 0 && !spliced) {
                return;
            }
            if (spliced) {
                relay(ioSession, null);
                return;
            }
        }
    }

    private int room() {
        return refusal == null ? received.length - receivedLength : body.length - bodyLength;
    }

    /** Bytes of the answer, before the tunnel: its head, then a refusal's body. */
    private void take(ByteBuffer bytes) throws IOException {
        if (refusal != null) {
            int n = Math.min(bytes.remaining(), body.length - bodyLength);
            bytes.get(body, bodyLength, n);
            bodyLength += n;
            if (bodyLength == body.length) {
                answer.complete(new Refusal(refusal, body));
                session.close(CloseMode.GRACEFUL);
            }
            return;
        }
        int n = Math.min(bytes.remaining(), received.length - receivedLength);
        bytes.get(received, receivedLength, n);
        receivedLength += n;
        int end = UpstreamAnswer.headEnd(received, receivedLength);
        if (end < 0) {
            if (receivedLength == received.length) {
                throw new IOException("the node's answer head is longer than " + UpstreamAnswer.MAX_HEAD + " bytes");
            }
            return;
        }
        UpstreamAnswer parsed;
        try {
            parsed = UpstreamAnswer.parse(received, end);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed answer from the node: " + e.getMessage(), e);
        }
        ByteBuffer rest = ByteBuffer.wrap(received, end, receivedLength - end);
        if (parsed.status() == 101) {
            spliced = true;
            switched = parsed;
            session.setSocketTimeout(idleTimeout);
            tunnel.upstreamOpened(session);
            tunnel.fromUpstream(rest);
            tunnel.fromUpstream(bytes);
            received = null;
            answer.complete(null);
            return;
        }
        refusal = parsed;
        String length = parsed.header("Content-Length");
        int declared = -1;
        try {
            declared = length == null ? -1 : Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        boolean chunked = parsed.header("Transfer-Encoding") != null;
        body = new byte[declared >= 0 && declared <= MAX_RELAYED_BODY && !chunked ? declared : 0];
        if (body.length == 0) {
            answer.complete(new Refusal(parsed, body));
            session.close(CloseMode.GRACEFUL);
            return;
        }
        take(rest);
        if (!answer.isDone()) {
            take(bytes);
        }
    }

    /** The tunnel: bytes from the upstream queued for the client, reading paused while the queue is full. */
    private void relay(IOSession ioSession, ByteBuffer src) throws IOException {
        if (src != null && src.hasRemaining()) {
            tunnel.fromUpstream(src);
        }
        ByteBuffer buffer = READ_BUFFER.get();
        int room;
        // never more than the room left: the queue holds at most websocket.buffer bytes
        while ((room = tunnel.clientRoom()) > 0) {
            buffer.clear();
            buffer.limit(Math.min(buffer.capacity(), room));
            int n = ioSession.read(buffer);
            if (n < 0) {
                tunnel.upstreamEnded();
                ioSession.clearEvent(SelectionKey.OP_READ);
                return;
            }
            if (n == 0) {
                break;
            }
            buffer.flip();
            tunnel.fromUpstream(buffer);
        }
        if (tunnel.clientRoom() == 0) {
            tunnel.pauseUpstreamReads();
        }
        tunnel.signalClient();
    }

    @Override
    public void timeout(IOSession ioSession, Timeout timeout) {
        if (spliced) {
            tunnel.idle();
        } else {
            answer.completeExceptionally(new TimeoutException("no answer from the node within " + timeout));
            ioSession.close(CloseMode.IMMEDIATE);
        }
    }

    @Override
    public void exception(IOSession ioSession, Exception cause) {
        if (spliced) {
            tunnel.failed(Closer.UPSTREAM, cause);
        } else {
            answer.completeExceptionally(cause);
            ioSession.close(CloseMode.IMMEDIATE);
        }
    }

    @Override
    public void disconnected(IOSession ioSession) {
        if (spliced) {
            tunnel.upstreamEnded();
        } else {
            answer.completeExceptionally(new IOException("the node closed the connection before answering"));
        }
    }

}
