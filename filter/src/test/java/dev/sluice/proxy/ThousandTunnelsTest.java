package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.WebSocketOrigin;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A thousand tunnels open at once through a Tomcat whose JVM has 256 MiB of heap (shared with the
 * WebSocket node and the clients): each carries a message both ways, and the JVM runs barely
 * more threads than with a hundred open.
 */
@Tag("many-tunnels") // a fork of its own with a 256 MiB heap: see filter/pom.xml
class ThousandTunnelsTest extends SluiceInTomcat {
    private static final int TUNNELS = 1000;
    /** Handshakes sent at once: as many in the warm-up, so the pools have grown before threads are counted. */
    private static final int BATCH = 100;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static WebSocketOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        origin = WebSocketOrigin.start();
        return SluiceDeployment.war("many", SluiceDeployment.route("ws", "127.0.0.1:" + origin.port(),
                "websocket.max-connections=" + (TUNNELS + BATCH)));
    }

    @AfterAll
    static void stopOrigin() throws Exception {
        origin.close();
    }

    @Test
    void aThousandOpenTunnelsCarryMessagesWithNoThreadEach() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Echoes warmUp = new Echoes(BATCH);
        List<WebSocket> sockets = open(BATCH, warmUp);
        int before = threads.getThreadCount();
        Echoes echoes = new Echoes(TUNNELS);
        try {
            sockets.addAll(open(TUNNELS, echoes));
            int after = threads.getThreadCount();
            // A thread per tunnel would add a thousand; the pools of Tomcat, the node and the
            // client may still grow by some with the handshakes in flight (20-30 seen).
            assertTrue(after - before < 60, "threads went from " + before + " with " + BATCH + " tunnels open to " + after
                    + " with " + (TUNNELS + BATCH));
            for (WebSocket socket : sockets.subList(BATCH, sockets.size())) {
                socket.sendText("ping", true);
            }
            assertTrue(echoes.all.await(60, TimeUnit.SECONDS), echoes.all.getCount() + " of " + TUNNELS + " tunnels echoed nothing");
            assertEquals(TUNNELS + BATCH, sockets.stream().filter(socket -> !socket.isInputClosed()).count(), "tunnels closed");
        } finally {
            for (WebSocket socket : sockets) {
                socket.abort();
            }
        }
    }

    /** Opens this many tunnels, {@link #BATCH} handshakes at a time. */
    private List<WebSocket> open(int count, Echoes listener) throws Exception {
        List<WebSocket> opened = new ArrayList<>();
        URI uri = URI.create("ws://127.0.0.1:" + port() + "/many/ws/echo");
        for (int at = 0; at < count; at += BATCH) {
            List<CompletableFuture<WebSocket>> batch = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                batch.add(CLIENT.newWebSocketBuilder().buildAsync(uri, listener));
            }
            for (CompletableFuture<WebSocket> socket : batch) {
                opened.add(socket.get(30, TimeUnit.SECONDS));
            }
        }
        return opened;
    }

    /** Counts the tunnels whose echo came back. */
    static final class Echoes implements WebSocket.Listener {
        final CountDownLatch all;

        Echoes(int count) {
            all = new CountDownLatch(count);
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            all.countDown();
            socket.request(1);
            return null;
        }
    }
}
