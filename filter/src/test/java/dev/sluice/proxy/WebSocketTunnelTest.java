package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.PatternReader;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.WebSocketOrigin;

import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** WebSocket handshakes on a route become byte tunnels to a real WebSocket upstream. */
class WebSocketTunnelTest extends SluiceInTomcat {
    private static final String CONTEXT = "/tunnels";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final int IDLE_TIMEOUT_MILLIS = 500;

    private static WebSocketOrigin origin;
    private static WebSocketOrigin tlsOrigin;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        origin = WebSocketOrigin.start();
        TestCertificates pki = TestCertificates.create(Path.of("target", "tls"));
        tlsOrigin = WebSocketOrigin.startTls(pki.server());
        int dead;
        try (ServerSocket socket = new ServerSocket(0)) {
            dead = socket.getLocalPort();
        }
        String node = "127.0.0.1:" + origin.port();
        return SluiceDeployment.war("tunnels", "sluice.status.path=/_status\n"
                + SluiceDeployment.route("ws", node, "request-headers.set.X-Gateway=sluice")
                + SluiceDeployment.route("limited", node, "websocket.max-connections=1")
                + SluiceDeployment.route("retry", "127.0.0.1:" + dead + ", " + node, "balance=ip-hash")
                + SluiceDeployment.route("wss", "127.0.0.1:" + tlsOrigin.port(), "scheme=https",
                        "tls.trust-store=" + pki.caPem().toAbsolutePath())
                + SluiceDeployment.route("off", node, "websocket=false")
                + SluiceDeployment.route("idle", node, "websocket.idle-timeout=" + IDLE_TIMEOUT_MILLIS));
    }

    @AfterAll
    static void stopOrigins() throws Exception {
        origin.close();
        tlsOrigin.close();
    }

    /** What a client's WebSocket received, in order. */
    static final class Received implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket socket, ByteBuffer message) {
            messages.add("pong:" + UTF_8.decode(message));
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closed.complete(-1);
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(10, TimeUnit.SECONDS);
            assertNotNull(message, "no message within 10 s");
            return message;
        }
    }

    private WebSocket connect(String path, WebSocket.Listener received, String... subprotocols) throws Exception {
        return connect(CLIENT, path, received, subprotocols);
    }

    private WebSocket connect(HttpClient client, String path, WebSocket.Listener received, String... subprotocols) throws Exception {
        WebSocket.Builder builder = client.newWebSocketBuilder();
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + port() + CONTEXT + path), received).get(10, TimeUnit.SECONDS);
    }

    @Test
    void textAndBinaryMessagesGoBothWays() throws Exception {
        Received received = new Received();
        WebSocket socket = connect("/ws/echo", received);
        socket.sendText("hello through the tunnel", true).get(5, TimeUnit.SECONDS);
        assertEquals("hello through the tunnel", received.next());
        socket.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}), true).get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, (byte[]) received.next());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aBinaryMessageOfManyBuffersArrivesWhole() throws Exception {
        // 16 MiB, 256 times websocket.buffer: both directions pause and resume many times
        long length = 16 * 1024 * 1024;
        PatternReader received = new PatternReader(true);
        WebSocket socket = connect("/ws/big", received);
        // One message in frames of 256 KiB, as a streaming sender makes it, made as they go and
        // compared as they come: the node never holds a 16 MiB frame whole, nor the test the
        // message, in the tests' small heap, shared with the container and the client.
        int frame = 256 * 1024;
        for (long at = 0; at < length; at += frame) {
            socket.sendBinary(WebSocketOrigin.pattern(at, frame), at + frame == length).get(60, TimeUnit.SECONDS);
        }
        assertEquals(length, received.whole.get(60, TimeUnit.SECONDS));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aPingIsAnsweredWithAPongFromTheUpstream() throws Exception {
        Received received = new Received();
        WebSocket socket = connect("/ws/ping", received);
        socket.sendPing(ByteBuffer.wrap("are you there".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("pong:are you there", received.next());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theSubprotocolIsTheOneTheUpstreamChose() throws Exception {
        WebSocket socket = connect("/ws/protocols", new Received(), "chat.v1", "chat.v2");
        assertEquals("chat.v2", socket.getSubprotocol());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theHandshakeCarriesTheForwardingHeadersAndHeaderRules() throws Exception {
        origin.handshakes.clear();
        WebSocket socket = connect("/ws/headers", new Received());
        String headers = origin.handshakes.poll(5, TimeUnit.SECONDS);
        assertTrue(headers.contains("X-Forwarded-For: 127.0.0.1"), headers);
        assertTrue(headers.contains("X-Gateway: sluice"), headers);
        assertTrue(headers.contains("Via: 1.1 sluice"), headers);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theHandshakeKeepsTheClientsOrigin() throws Exception {
        origin.handshakes.clear();
        WebSocket socket = CLIENT.newWebSocketBuilder().header("Origin", "https://app.example")
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + CONTEXT + "/ws/origin"), new Received()).get(10, TimeUnit.SECONDS);
        String headers = origin.handshakes.poll(5, TimeUnit.SECONDS);
        assertTrue(headers.contains("Origin: https://app.example\n"), headers);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    /** The JDK client offers no extensions (and may not be told to), so the handshake is written by hand. */
    @Test
    void theHandshakeKeepsTheClientsExtensionOffer() throws Exception {
        origin.handshakes.clear();
        try (RawClient client = RawClient.connect(port())) {
            client.send(handshake("/ws/extensions", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"), new byte[0]);
            assertEquals(101, client.readResponseHeadOnly().status());
        }
        String headers = origin.handshakes.poll(5, TimeUnit.SECONDS);
        assertTrue(headers.contains("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\n"), headers);
    }

    @Test
    void theClientsCloseCodeReachesTheUpstream() throws Exception {
        WebSocket socket = connect("/ws/client-closes", new Received());
        socket.sendClose(4001, "client leaves").get(5, TimeUnit.SECONDS);
        assertEquals("4001", upstreamClose("/ws/client-closes", 5_000));
    }

    @Test
    void theUpstreamsCloseCodeReachesTheClient() throws Exception {
        Received received = new Received();
        WebSocket socket = connect("/ws/upstream-closes", received);
        socket.sendText("close 4002", true);
        assertEquals(4002, received.closed.get(5, TimeUnit.SECONDS));
    }

    @Test
    void anUpstreamThatDropsTheConnectionIsSeenByTheClientWithinASecond() throws Exception {
        Received received = new Received();
        WebSocket socket = connect("/ws/drop", received);
        socket.sendText("drop", true);
        long start = System.nanoTime();
        received.closed.get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start < 1_000_000_000L, "the client saw the end late");
    }

    @Test
    void aClientThatVanishesIsSeenByTheUpstreamWithinASecond() throws Exception {
        WebSocket socket = connect("/ws/vanish", new Received());
        socket.abort();
        assertNotNull(upstreamClose("/ws/vanish", 1_000), "the upstream did not see the client go within a second");
    }

    @Test
    void anUpstreamRefusalIsRelayed() throws Exception {
        try (RawClient client = RawClient.connect(port())) {
            client.send(handshake("/ws/forbidden"), new byte[0]);
            assertEquals(403, client.readResponse().status());
        }
    }

    @Test
    void aNodeThatIsDownLeavesTheHandshakeToAnother() throws Exception {
        assertEchoed("/retry/echo", "still here");
    }

    @Test
    void wssGoesToATlsUpstream() throws Exception {
        assertEchoed("/wss/echo", "over TLS");
    }

    /** A text message sent on a tunnel opened on this path comes back from the upstream's echo. */
    private void assertEchoed(String path, String text) throws Exception {
        Received received = new Received();
        WebSocket socket = connect(path, received);
        socket.sendText(text, true);
        assertEquals(text, received.next());
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aTunnelThatCarriesNothingIsClosedAfterTheIdleTimeout() throws Exception {
        Received received = new Received();
        connect("/idle/quiet", received);
        long start = System.nanoTime();
        received.closed.get(5, TimeUnit.SECONDS);
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited < 3_000, "closed after " + waited + " ms for a timeout of " + IDLE_TIMEOUT_MILLIS);
        assertTrue(status().matches("(?s).*\"name\":\"idle\".*?\"closedIdle\":[1-9].*"), status());
    }

    @Test
    void aTunnelCarryingMessagesOutlivesTheIdleTimeout() throws Exception {
        Received received = new Received();
        WebSocket socket = connect("/idle/busy", received);
        for (int i = 0; i < 8; i++) {
            socket.sendText("tick " + i, true);
            assertEquals("tick " + i, received.next());
            Thread.sleep(IDLE_TIMEOUT_MILLIS / 4);
        }
        assertTrue(!received.closed.isDone(), "closed while in use");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRouteWithWebSocketsOffRefusesTheHandshakeWithoutForwardingIt() throws Exception {
        origin.handshakes.clear();
        try (RawClient client = RawClient.connect(port())) {
            client.send(handshake("/off/echo"), new byte[0]);
            assertEquals(400, client.readResponse().status());
        }
        assertEquals(null, origin.handshakes.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void aHandshakeBeyondTheUpstreamsTunnelLimitIsAnswered503WithoutForwarding() throws Exception {
        WebSocket first = connect("/limited/one", new Received());
        origin.handshakes.clear();
        try (RawClient client = RawClient.connect(port())) {
            client.send(handshake("/limited/two"), new byte[0]);
            RawResponse answer = client.readResponse();
            assertEquals(503, answer.status());
            assertEquals("1", answer.header("Retry-After"));
        }
        assertEquals(null, origin.handshakes.poll(200, TimeUnit.MILLISECONDS));
        first.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theStatusViewCountsOpenAndClosedTunnels() throws Exception {
        WebSocket socket = connect("/limited/counted", new Received());
        assertTrue(status().contains("\"name\":\"limited\""));
        assertTrue(status().matches("(?s).*\"name\":\"limited\".*?\"websocket\":\\{\"open\":1,\"opened\":[1-9].*"), status());
        socket.sendClose(4003, "bye").get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!status().matches("(?s).*\"name\":\"limited\".*?\"websocket\":\\{\"open\":0,.*") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(status().matches("(?s).*\"name\":\"limited\".*?\"websocket\":\\{\"open\":0,\"opened\":[1-9][0-9]*,\"closedByClient\":[0-9]+,\"closedByUpstream\":[0-9]+.*"), status());
    }

    private String status() throws Exception {
        return RawClient.get(port(), CONTEXT + "/_status").bodyText();
    }

    /** The close code the upstream saw on the connection of this path, or {@code null} after the time. */
    private static String upstreamClose(String path, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        String prefix = CONTEXT + path + " ";
        while (System.nanoTime() < deadline) {
            String close = origin.closes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (close != null && close.startsWith(prefix)) {
                return close.substring(prefix.length());
            }
        }
        return null;
    }

    private static String handshake(String path, String... headerLines) {
        StringBuilder head = new StringBuilder("GET " + CONTEXT + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        return head.append("\r\n").toString();
    }
}
