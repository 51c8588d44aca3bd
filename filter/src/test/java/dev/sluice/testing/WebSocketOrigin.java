package dev.sluice.testing;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

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
 * {@code drop} cuts the connection without a close frame. Each connection's close code (1006 for
 * a connection that ended without one) is reported in {@link #closes}, after its path.
 */
public final class WebSocketOrigin implements AutoCloseable {
    private final Server server = new Server();
    private final ServerConnector connector;
    /** Close codes seen by the upstream, one per connection, as {@code <path> <code>}. */
    public final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    /** The request headers of each accepted handshake, as {@code name: value} lines. */
    public final BlockingQueue<String> handshakes = new LinkedBlockingQueue<>();

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
                return new Echo(closes, request.getHttpURI().getPath());
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

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Public, as Jetty calls its methods through method handles. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private final BlockingQueue<String> closes;
        private final String path;
        private Session session;

        Echo(BlockingQueue<String> closes, String path) {
            this.closes = closes;
            this.path = path;
        }

        @Override
        public void onWebSocketOpen(Session opened) {
            this.session = opened;
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.startsWith("close ")) {
                session.close(Integer.parseInt(message.substring(6)), "asked", Callback.NOOP);
            } else if (message.equals("drop")) {
                session.disconnect();
            } else {
                session.sendText(message, Callback.NOOP);
            }
        }

        /**
         * Echoed frame by frame, the next read only once this one is sent: a 16 MiB message never
         * sits whole (twice) in the tests' small heap, and a client that does not read stops the echo.
         */
        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            session.sendPartialBinary(copy, last, Callback.from(callback::succeed, callback::fail));
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            closes.add(path + " " + code);
            callback.succeed();
        }
    }
}
