import java.nio.ByteBuffer;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The WebSocket bench's upstream, on loopback only: Jetty 12's WebSocket server echoing every
 * text and binary message frame by frame, the next frame read once this one is sent. Run by
 * {@code bench/websocket.sh} with Jetty's jars on the class path: {@code java EchoNode.java PORT}.
 */
public final class EchoNode {
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(64 * 1024 * 1024);
            container.setIdleTimeout(java.time.Duration.ofHours(1));
            container.addMapping("/*", (request, response, callback) -> new Echo());
        }));
        server.start();
        server.join();
    }

    /** Public, as Jetty calls its methods through method handles. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session opened) {
            session = opened;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            session.sendPartialBinary(copy, last, callback);
        }
    }
}
