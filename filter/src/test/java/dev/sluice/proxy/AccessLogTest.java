package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;
import dev.sluice.testing.WebSocketOrigin;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The access log: one line per proxied request on {@code dev.sluice.access}, telling what the
 * client was sent, including where the container's own log would not (a 200 whose body was cut).
 */
class AccessLogTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    private static int originPort;
    private static int deadPort;
    private static WebSocketOrigin webSockets;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        TestOrigin origin = origin("origin", ANSWERS);
        originPort = origin.port();
        try (ServerSocket reserved = new ServerSocket(0)) {
            deadPort = reserved.getLocalPort(); // closed again: connecting there is refused
        }
        String node = "127.0.0.1:" + originPort;
        webSockets = WebSocketOrigin.start();
        // The test client on loopback stands for a proxy in front, whose X-Forwarded-For is believed.
        return SluiceDeployment.war("access", "sluice.access-log=true\nsluice.trusted-proxies=127.0.0.1/32\n"
                + SluiceDeployment.route("ws", "127.0.0.1:" + webSockets.port())
                + SluiceDeployment.route("api", node)
                + SluiceDeployment.route("refused-first", "127.0.0.1:" + deadPort + " weight=1000, " + node + " weight=1",
                        "health.max-fails=0")
                + SluiceDeployment.route("limited", node, "rate-limit=1", "rate-limit.burst=1"));
    }

    @Test
    void anAnsweredRequestIsOneLineWithEveryField() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            RawResponse response = get("/api/answered?q=1", "X-Request-Id: line-1");
            assertEquals(200, response.status());
            String line = lineFor(log, "id=line-1");
            assertTrue(line.matches("time=\\d{4}-\\d\\d-\\d\\dT\\S+Z id=line-1 client=127\\.0\\.0\\.1 method=GET"
                    + " target=/access/api/answered\\?q=1 route=api upstream=api nodes=127\\.0\\.0\\.1:" + originPort + "/200"
                    + " status=200 cut=false outcome=answered failure=- bytes_in=0 bytes_out=" + response.body().length
                    + " first_byte_ms=\\d+\\.\\d total_ms=\\d+\\.\\d"), line);
        }
    }

    @Test
    void theClientIsTheAddressATrustedProxyReported() throws Exception {
        assertEquals("203.0.113.7", clientLoggedBehind("203.0.113.7", "line-5"));
    }

    /** Walked from the right, the chain is believed only as far as its hops are trusted proxies. */
    @Test
    void theClientIsTheFirstUntrustedHopNotTheLeftmostClaim() throws Exception {
        assertEquals("198.51.100.9", clientLoggedBehind("6.6.6.6, 198.51.100.9", "line-6"));
    }

    /** The {@code client} field of the line of a request the proxy on loopback forwarded with this X-Forwarded-For. */
    private String clientLoggedBehind(String forwardedFor, String id) throws Exception {
        try (LogCapture log = LogCapture.start()) {
            assertEquals(200, get("/api/behind-proxy", "X-Request-Id: " + id, "X-Forwarded-For: " + forwardedFor).status());
            String line = lineFor(log, "id=" + id);
            Matcher client = Pattern.compile(" client=(\\S+) ").matcher(line);
            assertTrue(client.find(), line);
            return client.group(1);
        }
    }

    @AfterAll
    static void stopWebSockets() throws Exception {
        webSockets.close();
    }

    @Test
    void aWebSocketHandshakeIsOneLineWithTheNodes101() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().header("X-Request-Id", "line-ws")
                    .buildAsync(URI.create("ws://127.0.0.1:" + port() + "/access/ws/chat"), new WebSocket.Listener() { })
                    .get(10, TimeUnit.SECONDS);
            String line = lineFor(log, "id=line-ws");
            assertTrue(line.contains(" method=GET target=/access/ws/chat route=ws upstream=ws nodes=127.0.0.1:" + webSockets.port()
                    + "/101 status=101 cut=false outcome=answered failure=- "), line);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRetriedRequestListsEveryNodeTried() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            assertEquals(200, get("/refused-first/x", "X-Request-Id: line-2").status());
            String line = lineFor(log, "id=line-2");
            assertTrue(line.contains(" nodes=127.0.0.1:" + deadPort + "/not_connected,127.0.0.1:" + originPort + "/200 status=200 "
                    + "cut=false outcome=retried "), line);
        }
    }

    @Test
    void aBodyCutAfterItsHeadIsLoggedAsTheStatusSentAndCut() throws Exception {
        ANSWERS.on("cut", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startFixed(100_000);
            response.write(new byte[1000]);
            response.flush();
            Thread.sleep(200);
            response.closeAbruptly();
        });
        try (LogCapture log = LogCapture.expecting(Level.WARNING, "response already started")) {
            RawResponse response = get("/api/cut", "X-Request-Id: line-3");
            assertEquals(200, response.status());
            assertFalse(response.bodyComplete());
            String line = lineFor(log, "id=line-3");
            assertTrue(line.contains(" status=200 cut=true outcome=failed failure=io "), line);
            assertTrue(line.contains(" bytes_out=1000 "), line);
        }
    }

    @Test
    void aRefusedRequestIsLoggedWithoutANode() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            int refused = 0;
            for (int i = 0; i < 3 && refused == 0; i++) {
                if (get("/limited/x", "X-Request-Id: line-4-" + i).status() == 429) {
                    refused = i;
                }
            }
            assertTrue(refused > 0, "a burst of 1 admits one request");
            String line = lineFor(log, "id=line-4-" + refused);
            assertTrue(line.contains(" nodes=- status=429 cut=false outcome=rate_limited "), line);
        }
    }

    @Test
    void aTargetWithQuotesAndSpacesStaysOneParsableValue() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            get("/api/x?a=%22b%22", "X-Request-Id: a\"b\\c");
            String line = lineFor(log, "target=/access/api/x?a=%22b%22");
            assertTrue(line.contains(" id=\"a\\\"b\\\\c\" "), line);
        }
    }

    /** The access log's line containing the text, once written: an exchange ends a moment after its client has the answer. */
    private static String lineFor(LogCapture log, String text) throws InterruptedException {
        assertTrue(log.logged(Level.INFO, text, Duration.ofSeconds(5)), "no line with " + text + ": " + log.messages());
        Optional<String> line = log.messages().stream().filter(m -> m.startsWith("INFO time=") && m.contains(text)).findFirst();
        return line.orElseThrow().substring("INFO ".length());
    }
}
