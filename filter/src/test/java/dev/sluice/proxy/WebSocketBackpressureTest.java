package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.PatternReader;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.WebSocketOrigin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A tunnel between a fast sender and a reader that stops holds at most {@code websocket.buffer}
 * bytes for that direction, by its own figures, and the sender is held back by TCP: what it got
 * written stops growing far below what it meant to send. Once the reader reads again, every byte
 * arrives, in order.
 */
class WebSocketBackpressureTest extends SluiceInTomcat {
    private static final String CONTEXT = "/backpressure";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    /** websocket.buffer's default. */
    private static final int BUFFER = 64 * 1024;
    /**
     * Well over twice what the sockets between the two ends take: loopback's buffers grow with use
     * (Linux lets a receive buffer reach 32 MiB), and a clean-clone run saw a client get 16.3 MiB
     * into them before it was held back, so half of 32 MiB was too close a bound.
     */
    private static final long SENT = 64L * 1024 * 1024;
    private static final int FRAME = 64 * 1024;

    private static WebSocketOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        origin = WebSocketOrigin.start();
        String node = "127.0.0.1:" + origin.port();
        return SluiceDeployment.war("backpressure", "sluice.status.path=/_status\n"
                + SluiceDeployment.route("toclient", node)
                + SluiceDeployment.route("toupstream", node));
    }

    @AfterAll
    static void stopOrigin() throws Exception {
        origin.close();
    }

    @Test
    void anUpstreamSendingToAClientThatDoesNotReadIsHeldBackAtTheBound() throws Exception {
        PatternReader reader = new PatternReader(false);
        WebSocket socket = connect("/toclient/flood", reader);
        socket.sendText("flood " + SENT, true).get(5, TimeUnit.SECONDS);

        long written = settled(() -> {
            AtomicLong flooded = origin.flooded.get(CONTEXT + "/toclient/flood");
            return flooded == null ? 0 : flooded.get();
        });
        assertTrue(written < SENT / 2, "the upstream wrote " + written + " of " + SENT + " bytes to a client that read none");
        long held = figure("toclient", "heldToClient");
        assertTrue(held >= BUFFER / 2 && held <= BUFFER, "the tunnel holds " + held + " bytes for the client");

        socket.request(Long.MAX_VALUE);
        assertEquals(SENT, reader.whole.get(60, TimeUnit.SECONDS));
        assertTrue(figure("toclient", "mostHeld") <= BUFFER, status());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientSendingToAnUpstreamThatDoesNotReadIsHeldBackAtTheBound() throws Exception {
        PatternReader echo = new PatternReader(true);
        String path = "/toupstream/paused";
        WebSocket socket = connect(path, echo);
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (long at = 0; at < SENT; at += FRAME) {
                socket.sendBinary(WebSocketOrigin.pattern(at, FRAME), at + FRAME == SENT).join();
                written.set(at + FRAME);
            }
        });

        long accepted = settled(written::get);
        assertTrue(accepted < SENT / 2, "the client wrote " + accepted + " of " + SENT + " bytes to an upstream that read none");
        long held = figure("toupstream", "heldToUpstream");
        assertTrue(held >= BUFFER / 2 && held <= BUFFER, "the tunnel holds " + held + " bytes for the upstream");

        WebSocketOrigin.Paused node = origin.paused.get(CONTEXT + path);
        assertNotNull(node, "the node never saw the handshake");
        node.resume();
        assertEquals(SENT, echo.whole.get(60, TimeUnit.SECONDS));
        sending.get(5, TimeUnit.SECONDS);
        assertTrue(figure("toupstream", "mostHeld") <= BUFFER, status());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    private WebSocket connect(String path, WebSocket.Listener listener) throws Exception {
        return CLIENT.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port() + CONTEXT + path), listener)
                .get(10, TimeUnit.SECONDS);
    }

    /** The count once it started and then stayed the same for a second (within 20 s). */
    private static long settled(LongSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = count.getAsLong();
            if (now != last || now == 0) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > 1_000_000_000L) {
                return now;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("still moving after 20 s: " + last);
    }

    /** One of the {@code websocket} figures of the route's upstream in the status view. */
    private long figure(String upstream, String name) throws Exception {
        String status = status();
        Matcher matcher = Pattern.compile("\"name\":\"" + upstream + "\".*?\"websocket\":\\{[^}]*\"" + name + "\":(\\d+)",
                Pattern.DOTALL).matcher(status);
        assertTrue(matcher.find(), status);
        return Long.parseLong(matcher.group(1));
    }

    private String status() throws Exception {
        return RawClient.get(port(), CONTEXT + "/_status").bodyText();
    }
}
