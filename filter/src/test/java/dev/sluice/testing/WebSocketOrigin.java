package dev.sluice.testing;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real WebSocket upstream on loopback: Jetty's WebSocket server. It echoes text and binary
 * messages, picks the last subprotocol a client offers, answers 403 on any path containing
 * {@code forbidden}, and obeys a few text commands: {@code close <code>} closes with that code,
 * {@code drop} cuts the connection without a close frame, {@code flood <bytes>} sends that many
 * bytes of {@link #patternAt} as one binary message, a frame at a time, each once the last one was
 * written (counted in {@link #flooded}). A connection on a path containing {@code paused} reads
 * nothing until the test resumes it ({@link #paused}), then echoes. Each connection's close code
 * (1006 for a connection that ended without one) is reported in {@link #closes}, after its path.
 */
public final class WebSocketOrigin implements AutoCloseable {
    private final Server server = new Server();
    private final ServerConnector connector;
    /** Close codes seen by the upstream, one per connection, as {@code <path> <code>}. */
    public final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    /** The request headers of each accepted handshake, as {@code name: value} lines. */
    public final BlockingQueue<String> handshakes = new LinkedBlockingQueue<>();
    /** Bytes of each path's flood written to the connection so far. */
    public final Map<String, AtomicLong> flooded = new ConcurrentHashMap<>();
    /** The connections that read nothing until resumed, by path. */
    public final Map<String, Paused> paused = new ConcurrentHashMap<>();

    private WebSocketOrigin(SSLContext tls) throws Exception {
        if (tls == null) {
            connector = new ServerConnector(server);
        } else {
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setSslContext(tls);
            connector = new ServerConnector(server, factory);
        }
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(32 * 1024 * 1024);
            container.setMaxTextMessageSize(1024 * 1024);
            container.addMapping("/*", (request, response, callback) -> {
                if (request.getHttpURI().getPath().contains("forbidden")) {
                    Response.writeError(request, response, callback, 403);
                    return null;
                }
                List<String> offered = request.getSubProtocols();
                if (!offered.isEmpty()) {
                    response.setAcceptedSubProtocol(offered.get(offered.size() - 1));
                }
                StringBuilder headers = new StringBuilder();
                request.getHeaders().forEach(field -> headers.append(field.getName()).append(": ").append(field.getValue()).append('\n'));
                handshakes.add(headers.toString());
                String path = request.getHttpURI().getPath();
                return path.contains("paused") ? new Paused(this, path) : new Echo(this, path);
            });
        }));
        server.start();
    }

    public static WebSocketOrigin start() throws Exception {
        return new WebSocketOrigin(null);
    }

    public static WebSocketOrigin startTls(SSLContext tls) throws Exception {
        return new WebSocketOrigin(tls);
    }

    /** The byte at {@code position} of a flood, or of a test's stream: a hash of the position. */
    public static byte patternAt(long position) {
        return (byte) ((position * 0x9E3779B97F4A7C15L) >>> 56);
    }

    /** {@code length} bytes of the pattern from {@code position}. */
    public static ByteBuffer pattern(long position, int length) {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            bytes.put(patternAt(position + i));
        }
        return bytes.flip();
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One connection of the node, its close code reported. Public, as Jetty calls its methods through method handles. */
    public abstract static class Connection implements Session.Listener {
        final WebSocketOrigin origin;
        final String path;
        Session session;

        Connection(WebSocketOrigin origin, String path) {
            this.origin = origin;
            this.path = path;
        }

        @Override
        public void onWebSocketOpen(Session opened) {
            this.session = opened;
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            origin.closes.add(path + " " + code);
            callback.succeed();
        }
    }

    /** The echo, and the commands. */
    public static final class Echo extends Connection implements Session.Listener.AutoDemanding {
        private static final int FLOOD_FRAME = 64 * 1024;

        Echo(WebSocketOrigin origin, String path) {
            super(origin, path);
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.startsWith("close ")) {
                session.close(Integer.parseInt(message.substring(6)), "asked", Callback.NOOP);
            } else if (message.equals("drop")) {
                session.disconnect();
            } else if (message.startsWith("flood ")) {
                long bytes = Long.parseLong(message.substring(6));
                Thread flood = new Thread(() -> flood(bytes), "flood " + path);
                flood.setDaemon(true);
                flood.start();
            } else {
                session.sendText(message, Callback.NOOP);
            }
        }

        /** Each frame sent once the last one was written: the count is what the connection took. */
        private void flood(long bytes) {
            AtomicLong sent = origin.flooded.computeIfAbsent(path, p -> new AtomicLong());
            try {
                for (long at = 0; at < bytes; at += FLOOD_FRAME) {
                    int length = (int) Math.min(FLOOD_FRAME, bytes - at);
                    CompletableFuture<Void> written = new CompletableFuture<>();
                    session.sendPartialBinary(pattern(at, length), at + length == bytes,
                            Callback.from(() -> written.complete(null), written::completeExceptionally));
                    written.get(60, TimeUnit.SECONDS);
                    sent.addAndGet(length);
                }
            } catch (Exception e) {
                session.disconnect();
            }
        }

        /**
         * Echoed frame by frame, the next read only once this one is sent: a 16 MiB message never
         * sits whole (twice) in the tests' small heap, and a client that does not read stops the echo.
         */
        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
            echo(session, payload, last, callback);
        }
    }

    private static void echo(Session session, ByteBuffer payload, boolean last, Callback then) {
        ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
        session.sendPartialBinary(copy, last, then);
    }

    /**
     * A node that reads nothing, not even from its socket, until {@link #resume}d; then it echoes
     * binary frames as {@link Echo} does, asking for the next frame once one is sent.
     */
    public static final class Paused extends Connection {
        Paused(WebSocketOrigin origin, String path) {
            super(origin, path);
        }

        @Override
        public void onWebSocketOpen(Session opened) {
            super.onWebSocketOpen(opened);
            origin.paused.put(path, this);
        }

        /** Starts reading. */
        public void resume() {
            session.demand();
        }

        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
            echo(session, payload, last, Callback.from(() -> {
                callback.succeed();
                session.demand();
            }, callback::fail));
        }
    }
}
