package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The forwarding engine in a real Tomcat against real upstream servers: routing, the raw URI,
 * header rules, bodies both ways, streaming, and what clients see when an upstream fails.
 */
@ExtendWith(ArquillianExtension.class)
class ForwardingTest {
    private static final String CONTEXT = "/fwd";
    private static final byte[] GZIPPED = gzip("hello, compressed world\n".repeat(50));
    private static final byte[] PIECES = pattern(50_000);
    private static final CountDownLatch SECOND_EVENT = new CountDownLatch(1);
    private static final CountDownLatch LATE_EVENT = new CountDownLatch(1);

    private static TestOrigin origin;
    private static int deadPort;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = TestOrigin.start("origin", ForwardingTest::answer);
        try (ServerSocket reserved = new ServerSocket(0)) {
            deadPort = reserved.getLocalPort(); // closed again: connecting there is refused
        }
        return SluiceDeployment.war("fwd", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.route.stripped.path=/stripped
                sluice.route.stripped.upstream=main
                sluice.route.stripped.strip-prefix=true
                sluice.upstream.main.nodes=127.0.0.1:%d
                sluice.route.dead.path=/dead
                sluice.route.dead.upstream=dead
                sluice.upstream.dead.nodes=127.0.0.1:%d
                sluice.route.slow.path=/slow
                sluice.route.slow.upstream=slow
                sluice.upstream.slow.nodes=127.0.0.1:%d
                sluice.upstream.slow.timeout=300
                sluice.route.narrow.path=/narrow
                sluice.route.narrow.upstream=narrow
                sluice.upstream.narrow.nodes=127.0.0.1:%d
                sluice.upstream.narrow.pool.max-connections=1
                sluice.upstream.narrow.pool.max-waiting=1
                """.formatted(origin.port(), deadPort, origin.port(), origin.port()));
    }

    /** The origin's behaviour, chosen by the last path segment. */
    private static void answer(TestOrigin.Exchange exchange) throws Exception {
        String target = exchange.request().target();
        String last = target.replaceAll("\\?.*", "").replaceAll(".*/", "");
        TestOrigin.Response response = exchange.response();
        switch (last) {
            case "gzip" -> {
                response.header("Content-Type", "text/plain");
                response.header("Content-Encoding", "gzip");
                response.send(GZIPPED);
            }
            case "hop" -> {
                response.header("Connection", "X-Internal");
                response.header("X-Internal", "secret");
                response.header("Keep-Alive", "timeout=5");
                response.header("Proxy-Authenticate", "Basic");
                response.header("X-Visible", "yes");
                response.send("hop".getBytes(US_ASCII));
            }
            case "chunked" -> {
                response.startChunked();
                response.chunk("first-".getBytes(US_ASCII));
                // Apart, so the relay sends the first chunk before the end is known; read together
                // with the end, a body this small is answered with a Content-Length instead.
                Thread.sleep(100);
                response.chunk("second".getBytes(US_ASCII));
                response.endChunked();
            }
            case "sse" -> {
                response.header("Content-Type", "text/event-stream");
                response.startChunked();
                response.chunk("data: one\n\n".getBytes(US_ASCII));
                if (!SECOND_EVENT.await(30, TimeUnit.SECONDS)) {
                    // The first event never reached the client: end without the second, so that a
                    // relay holding events back cannot pass by getting both at the end.
                    response.closeAbruptly();
                    return;
                }
                response.chunk("data: two\n\n".getBytes(US_ASCII));
                response.endChunked();
            }
            case "late-event" -> {
                response.header("Content-Type", "text/event-stream");
                response.startChunked();
                LATE_EVENT.await(30, TimeUnit.SECONDS);
                response.chunk("data: late\n\n".getBytes(US_ASCII));
                response.endChunked();
            }
            case "head-then-hang" -> {
                response.header("Content-Type", "text/plain");
                response.startChunked();
                Handlers.hang().handle(exchange);
            }
            case "chunked-with-length" -> {
                exchange.body().transferTo(OutputStream.nullOutputStream());
                response.writeRaw(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                        + "Content-Length: 5\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n").getBytes(US_ASCII));
            }
            case "cut" -> {
                response.startFixed(100_000);
                response.write(new byte[1000]);
                response.flush();
                Thread.sleep(200);
                response.closeAbruptly();
            }
            case "pieces" -> {
                // A body the relay gathers whole (over the container's 8 KiB buffer, under 64 KiB),
                // sent in pieces with pauses so that it reaches the relay in several reads.
                response.startFixed(PIECES.length);
                for (int sent = 0; sent < PIECES.length; sent += 10_000) {
                    response.write(Arrays.copyOfRange(PIECES, sent, Math.min(sent + 10_000, PIECES.length)));
                    response.flush();
                    Thread.sleep(20);
                }
            }
            case "at-once-small" -> response.send(Arrays.copyOf(PIECES, 2_000));
            case "at-once-gathered" -> response.send(Arrays.copyOf(PIECES, 20_000));
            case "cut-tiny" -> {
                response.startFixed(5_000);
                response.write(new byte[1000]);
                response.flush();
                Thread.sleep(200);
                response.closeAbruptly();
            }
            case "cut-small" -> {
                response.startFixed(10_000);
                response.write(new byte[1000]);
                response.flush();
                Thread.sleep(200);
                response.closeAbruptly();
            }
            case "cut-chunked" -> {
                response.startChunked();
                response.chunk(new byte[1000]);
                Thread.sleep(200);
                response.closeAbruptly();
            }
            case "accepted" -> {
                response.status(202, "Accepted");
                response.send("queued".getBytes(US_ASCII));
            }
            case "not-modified" -> {
                response.status(304, "Not Modified");
                response.header("ETag", "\"v1\"");
                response.send(new byte[0]);
            }
            case "hang" -> Handlers.hang().handle(exchange);
            case "big" -> Handlers.bytes(64L * 1024 * 1024).handle(exchange);
            default -> Handlers.echo().handle(exchange);
        }
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @BeforeEach
    void forgetRequests() {
        origin.clear();
    }

    private int port() {
        return base.getPort();
    }

    private RawResponse get(String target, String... headerLines) throws IOException {
        return RawClient.get(port(), target, headerLines);
    }

    private RecordedRequest onlyRequestSeen() {
        List<RecordedRequest> seen = origin.requests();
        assertEquals(1, seen.size(), "requests the origin saw");
        return seen.get(0);
    }

    @Test
    void unmatchedPathIsServedByTheApplication() throws IOException {
        RawResponse response = get(CONTEXT + "/app/hello");
        assertEquals(200, response.status());
        assertEquals("app GET /fwd/app/hello", new String(response.body(), US_ASCII));
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void prefixMatchesWholeSegmentsOnly() throws IOException {
        assertEquals(404, get(CONTEXT + "/apix").status());
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void matchedPathGoesUpstreamWithItsFullUri() throws IOException {
        RawResponse response = get(CONTEXT + "/api/orders/42?page=2");
        assertEquals(200, response.status());
        assertEquals(CONTEXT + "/api/orders/42?page=2", onlyRequestSeen().target());
        assertTrue(new String(response.body(), US_ASCII).startsWith("origin=origin"));
    }

    /** The container maps /api;jsessionid=.../x as /api/x: the route must see it so too, or the application gets it. */
    @Test
    void aPathParameterOnTheRoutePrefixStillReachesTheUpstreamAsSent() throws IOException {
        assertEquals(200, get(CONTEXT + "/api;jsessionid=ABC/orders").status());
        assertEquals(CONTEXT + "/api;jsessionid=ABC/orders", onlyRequestSeen().target());
    }

    @Test
    void anEmptySegmentBeforeTheRoutePrefixStillReachesTheUpstreamAsSent() throws IOException {
        assertEquals(200, get(CONTEXT + "//api/orders").status());
        assertEquals(CONTEXT + "//api/orders", onlyRequestSeen().target());
    }

    @Test
    void aPathParameterOnAStrippedPrefixIsRefused() throws IOException {
        assertEquals(400, get(CONTEXT + "/stripped;v=1/orders").status());
    }

    @Test
    void aPathParameterAfterAStrippedPrefixGoesWithTheRest() throws IOException {
        assertEquals(200, get(CONTEXT + "/stripped/orders;v=1").status());
        assertEquals("/orders;v=1", onlyRequestSeen().target());
    }

    @Test
    void stripPrefixRemovesContextAndRoutePrefix() throws IOException {
        assertEquals(200, get(CONTEXT + "/stripped/orders/42?x=1").status());
        assertEquals("/orders/42?x=1", onlyRequestSeen().target());
    }

    @Test
    void barePrefixWithStripPrefixGoesAsRoot() throws IOException {
        assertEquals(200, get(CONTEXT + "/stripped").status());
        assertEquals("/", onlyRequestSeen().target());
    }

    @Test
    void rawUriIsForwardedByteForByte() throws IOException {
        String target = CONTEXT + "/api/a%2Bb+c%3Fd%20e/%7Euser?q=%2F%3F+%2B&r=a%26b&empty=";
        assertEquals(200, get(target).status());
        assertEquals(target, onlyRequestSeen().target());
    }

    @Test
    void dotSegmentsInAProxiedPathAreRefused() throws IOException {
        assertEquals(400, get(CONTEXT + "/api/x/%2e%2e/y").status());
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void methodAndStatusAreKept() throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("DELETE " + CONTEXT + "/api/orders/accepted HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse response = client.readResponse();
            assertEquals(202, response.status());
            assertEquals("queued", response.bodyText());
        }
        assertEquals("DELETE", onlyRequestSeen().method());
    }

    /** Tomcat answers CONNECT itself (501); Sluice's own refusal, for containers that pass it on, is pinned in UpstreamClientTest. */
    @Test
    void connectIsNeverForwarded() throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("CONNECT " + CONTEXT + "/api/orders/1 HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            int status = client.readResponse().status();
            assertTrue(status == 501 || status == 502, "refused, got " + status);
        }
        assertEquals(List.of(), origin.requests(), "a tunnel is not a request to forward");
    }

    @Test
    void hopByHopRequestHeadersStayBehind() throws IOException {
        get(CONTEXT + "/api/echo",
                "Connection: keep-alive, X-Hop",
                "X-Hop: dropped",
                "Keep-Alive: timeout=5",
                "TE: trailers",
                "Proxy-Authorization: Basic Zm9vOmJhcg==",
                "Proxy-Connection: keep-alive",
                "X-End-To-End: kept");
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("kept", seen.header("X-End-To-End"));
        for (String hop : List.of("X-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection")) {
            assertNull(seen.header(hop), hop + " must not be forwarded");
        }
    }

    @Test
    void aWebSocketHandshakeGoesUpstreamAsAPlainRequest() throws IOException {
        RawResponse response = get(CONTEXT + "/api/echo",
                "Connection: Upgrade",
                "Upgrade: websocket",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version: 13");
        RecordedRequest seen = onlyRequestSeen();
        assertNull(seen.header("Upgrade"), "an upgrade belongs to the client's hop");
        assertEquals("13", seen.header("Sec-WebSocket-Version"));
        assertEquals(200, response.status(), "the upstream's answer to the plain request is relayed");
    }

    @Test
    void hopByHopResponseHeadersStayBehind() throws IOException {
        RawResponse response = get(CONTEXT + "/api/hop");
        assertEquals("yes", response.header("X-Visible"));
        assertNull(response.header("X-Internal"));
        assertNull(response.header("Keep-Alive"));
        assertNull(response.header("Proxy-Authenticate"));
        assertEquals("1.1 sluice", response.header("Via"));
    }

    @Test
    void viaIsAppendedUpstream() throws IOException {
        get(CONTEXT + "/api/echo", "Via: 1.1 edge");
        assertEquals("1.1 edge, 1.1 sluice", onlyRequestSeen().header("Via"));
    }

    @Test
    void forwardingHeadersFromAnUntrustedClientAreReplaced() throws IOException {
        get(CONTEXT + "/api/echo",
                "X-Forwarded-For: 6.6.6.6",
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: evil.example",
                "X-Forwarded-Port: 1",
                "Forwarded: for=6.6.6.6");
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(List.of("127.0.0.1"), seen.headers("X-Forwarded-For"));
        assertEquals("http", seen.header("X-Forwarded-Proto"));
        assertEquals("localhost:" + port(), seen.header("X-Forwarded-Host"));
        assertEquals(Integer.toString(port()), seen.header("X-Forwarded-Port"));
        assertNull(seen.header("Forwarded"), "Forwarded is off by default and a client's is never passed on");
    }

    @Test
    void otherProxyClaimsFromAnUntrustedClientAreDropped() throws IOException {
        get(CONTEXT + "/api/echo", "X-Forwarded-Prefix: /evil", "X-Forwarded-Server: evil.example", "X-Real-IP: 6.6.6.6",
                "X_Forwarded_For: 6.6.6.6", "X_Real_IP: 6.6.6.6", "X-Custom: kept");
        RecordedRequest seen = onlyRequestSeen();
        assertNull(seen.header("X_Forwarded_For"), "read as X-Forwarded-For by CGI-style upstreams");
        assertNull(seen.header("X_Real_IP"));
        assertNull(seen.header("X-Forwarded-Prefix"));
        assertNull(seen.header("X-Forwarded-Server"));
        assertNull(seen.header("X-Real-IP"));
        assertEquals("kept", seen.header("X-Custom"));
    }

    @Test
    void hostIsTheNodeByDefault() throws IOException {
        get(CONTEXT + "/api/echo");
        assertEquals("127.0.0.1:" + origin.port(), onlyRequestSeen().header("Host"));
    }

    @Test
    void noUserAgentIsInventedForAClientThatSentNone() throws IOException {
        get(CONTEXT + "/api/echo");
        assertNull(onlyRequestSeen().header("User-Agent"));
    }

    @Test
    void clientUserAgentPasses() throws IOException {
        get(CONTEXT + "/api/echo", "User-Agent: probe/1.0");
        assertEquals("probe/1.0", onlyRequestSeen().header("User-Agent"));
    }

    @Test
    void gzipBodyPassesByteForByte() throws IOException {
        RawResponse response = get(CONTEXT + "/api/gzip", "Accept-Encoding: gzip");
        assertEquals("gzip", response.header("Content-Encoding"));
        assertEquals(Integer.toString(GZIPPED.length), response.header("Content-Length"));
        assertArrayEquals(GZIPPED, response.body());
        assertEquals("gzip", onlyRequestSeen().header("Accept-Encoding"));
    }

    @Test
    void anEmptyPostGoesUpWithContentLengthZero() throws IOException {
        RawResponse response = post(new byte[0], "Content-Length: 0");
        assertEquals(200, response.status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("POST", seen.method());
        // RFC 9110 8.6: sent even when 0 for a method that defines content; some servers answer 411 without it.
        assertEquals("0", seen.header("Content-Length"));
    }

    @Test
    void smallContentLengthBodyArrivesWithItsLength() throws IOException {
        byte[] body = "a=1&b=2".getBytes(US_ASCII);
        RawResponse response = post(body, "Content-Length: " + body.length, "Content-Type: application/x-www-form-urlencoded");
        assertEquals(200, response.status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertEquals("application/x-www-form-urlencoded", seen.header("Content-Type"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void largeContentLengthBodyStreamsWithItsLength() throws IOException {
        byte[] body = pattern(300_000);
        assertEquals(200, post(body, "Content-Length: " + body.length).status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertNull(seen.header("Transfer-Encoding"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void smallChunkedBodyIsSentWithItsLength() throws IOException {
        byte[] body = "chunked but small".getBytes(US_ASCII);
        assertEquals(200, post(chunk(body), "Transfer-Encoding: chunked").status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void largeChunkedBodyStaysChunked() throws IOException {
        byte[] body = pattern(300_000);
        assertEquals(200, post(chunk(body), "Transfer-Encoding: chunked").status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("chunked", seen.header("Transfer-Encoding"));
        assertNull(seen.header("Content-Length"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void headAnswersWithTheLengthAndNoBody() throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("HEAD " + CONTEXT + "/api/gzip HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse response = client.readResponse();
            assertEquals(200, response.status());
            assertEquals(Integer.toString(GZIPPED.length), response.header("Content-Length"));
            assertEquals(0, response.body().length);
            // The connection is still in step: a second request on it works.
            client.send("GET " + CONTEXT + "/api/echo HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponse().status());
        }
    }

    @Test
    void notModifiedPassesWithoutBody() throws Exception {
        RawResponse response = get(CONTEXT + "/api/not-modified", "If-None-Match: \"v1\"");
        assertEquals(304, response.status());
        assertEquals("\"v1\"", response.header("ETag"));
        assertEquals("\"v1\"", origin.requests().get(0).header("If-None-Match"));
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "main", n -> n == 0, Duration.ofSeconds(5)));
    }

    @Test
    void chunkedResponseArrivesWhole() throws IOException {
        RawResponse response = get(CONTEXT + "/api/chunked");
        assertTrue(response.wasChunked());
        assertTrue(response.bodyComplete());
        assertEquals("first-second", new String(response.body(), US_ASCII));
    }

    @Test
    void serverSentEventsArriveOneByOne() throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("GET " + CONTEXT + "/api/sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n", null);
            RawResponse head = client.readResponseHeadOnly();
            assertEquals("text/event-stream", head.header("Content-Type"));
            InputStream events = client.bodyStream();
            // The origin holds the second event back until the first one has reached us, far
            // longer than this read waits.
            client.setReadTimeout(Duration.ofSeconds(5));
            assertEquals("data: one\n\n", readExactly(events, "data: one\n\n".length()));
            SECOND_EVENT.countDown();
            assertEquals("data: two\n\n", readExactly(events, "data: two\n\n".length()));
        }
    }

    /** The origin sends the event only once the head has reached the client. */
    @Test
    void anEventStreamsHeadReachesTheClientBeforeItsFirstEvent() throws IOException {
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("GET " + CONTEXT + "/api/late-event HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse head = client.readResponseHeadOnly();
            assertEquals(200, head.status());
            LATE_EVENT.countDown();
            assertEquals("data: late\n\n", readExactly(client.bodyStream(), "data: late\n\n".length()));
        }
    }

    /** A head held back for the first body bytes is not yet the client's: a timeout before them is a clean 504. */
    @Test
    void anUpstreamTimingOutAfterItsHeadBeforeAnyBodyAnswers504() throws IOException {
        assertCleanAnswer(CONTEXT + "/slow/head-then-hang", 504);
    }

    /** RFC 9112, 6.3: Transfer-Encoding frames the body; the Content-Length beside it must not reach the client. */
    @Test
    void aLengthBesideChunkedCodingIsDropped() throws IOException {
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("GET " + CONTEXT + "/api/chunked-with-length HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse response = client.readResponse();
            assertEquals("01234567890123456789", new String(response.body(), US_ASCII));
            assertTrue(response.bodyComplete());
            client.send("GET " + CONTEXT + "/api/echo HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponse().status(), "the connection is still in step");
        }
    }

    /**
     * The upstream's timeout runs out while Sluice waits for the client's body, as nginx's
     * client_body_timeout would: 408, and the node is not blamed (slow clients must not be able to
     * take nodes out of rotation).
     */
    @Test
    void aClientStallingMidUploadIsAnswered408AndTheNodeIsNotBlamed() throws Exception {
        long failuresBefore = nodeFailures("slow");
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(10))) {
            client.send("POST " + CONTEXT + "/slow/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200000\r\n\r\n",
                    new byte[100_000]);
            Thread.sleep(1_000);
            assertEquals(408, client.readResponse().status());
        }
        assertEquals(failuresBefore, nodeFailures("slow"));
    }

    /** As nginx's send_timeout: a client that stops reading loses its download, and the node is not blamed. */
    @Test
    void aClientThatStopsReadingItsDownloadIsCutWithoutBlamingTheNode() throws Exception {
        long failuresBefore = nodeFailures("slow");
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(10))) {
            client.send("GET " + CONTEXT + "/slow/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponseHeadOnly().status());
            InputStream body = client.bodyStream();
            body.readNBytes(100_000);
            Thread.sleep(1_500);
            long rest;
            try {
                rest = body.transferTo(OutputStream.nullOutputStream());
            } catch (IOException cut) {
                rest = -1;
            }
            assertTrue(rest < 64L * 1024 * 1024 - 100_000, "the download was cut: " + rest + " more bytes");
        }
        assertEquals(failuresBefore, nodeFailures("slow"));
    }

    /** The failures the status view counts for the upstream's only node. */
    private static long nodeFailures(String upstream) {
        String node = PoolProbe.nodes(CONTEXT, upstream)[0];
        Matcher failures = Pattern.compile(" failures=(\\d+) ").matcher(node);
        assertTrue(failures.find(), node);
        return Long.parseLong(failures.group(1));
    }

    @Test
    void refusedConnectionAnswers502() throws IOException {
        RawResponse response = get(CONTEXT + "/dead/x");
        assertEquals(502, response.status());
        assertTrue(new String(response.body(), US_ASCII).contains("Bad Gateway"));
    }

    @Test
    void upstreamTimeoutAnswers504() throws IOException {
        long start = System.nanoTime();
        RawResponse response = get(CONTEXT + "/slow/hang");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.status());
        assertTrue(millis >= 250 && millis < 3_000, "answered after " + millis + " ms for a 300 ms timeout");
    }

    @Test
    void upstreamCutAfterCommitClosesTheClientConnection() throws IOException {
        assertCutShort(CONTEXT + "/api/cut");
    }

    @Test
    void chunkedUpstreamCutAfterCommitNeverEndsTheBody() throws IOException {
        assertCutShort(CONTEXT + "/api/cut-chunked");
    }

    @Test
    void smallBodySentInPiecesArrivesWholeAndInOrder() throws IOException {
        RawResponse response = get(CONTEXT + "/api/pieces");
        assertEquals(200, response.status());
        assertArrayEquals(PIECES, response.body());
    }

    @Test
    void bodiesAnsweredAtOnceArriveWholeEveryTime() throws IOException {
        // A fast upstream answers before the container's first write call back, when the output
        // is not ready yet even for bytes it would only buffer: the relay must wait for the call
        // back, or the client gets an empty answer (a race: a few requests in a hundred).
        for (int length : new int[] {2_000, 20_000}) {
            String path = CONTEXT + (length < 8192 ? "/api/at-once-small" : "/api/at-once-gathered");
            for (int i = 0; i < 150; i++) {
                RawResponse response = get(path);
                assertEquals(200, response.status());
                assertEquals("1.1 sluice", response.header("Via"));
                assertArrayEquals(Arrays.copyOf(PIECES, length), response.body(), path + ", request " + i);
            }
        }
    }

    @Test
    void smallBodyCutShortByTheUpstreamAnswers502() throws IOException {
        // A body small enough to be gathered whole has not reached the client when the upstream
        // fails, so the client gets a clean answer instead of a cut connection.
        assertCleanAnswer(CONTEXT + "/api/cut-small", 502);
    }

    @Test
    void bodyTheContainerBufferHoldsCutShortByTheUpstreamAnswers502() throws IOException {
        assertCleanAnswer(CONTEXT + "/api/cut-tiny", 502);
    }

    @Test
    void answersCutAfterCommitEachEndTheirExchange() throws Exception {
        // The narrow upstream refuses a third request in flight with 503: a cut answer whose
        // exchange never ended would hold its place for good.
        for (int i = 0; i < 3; i++) {
            assertEquals(200, statusOnceNot503(CONTEXT + "/narrow/hello", Duration.ofSeconds(5)), "before cut " + i);
            assertCutShort(CONTEXT + "/narrow/cut-chunked");
        }
        assertEquals(200, statusOnceNot503(CONTEXT + "/narrow/hello", Duration.ofSeconds(5)));
    }

    @Test
    void clientsLeavingMidDownloadEachEndTheirExchange() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, statusOnceNot503(CONTEXT + "/narrow/hello", Duration.ofSeconds(5)), "before download " + i);
            try (RawClient client = RawClient.connect(port())) {
                client.send("GET " + CONTEXT + "/narrow/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
                assertEquals(200, client.readResponseHeadOnly().status(), "download " + i);
                client.bodyStream().readNBytes(100_000);
                client.abort();
            }
        }
        assertEquals(200, statusOnceNot503(CONTEXT + "/narrow/hello", Duration.ofSeconds(5)));
    }

    /** An exchange ends a moment after its client sees the end: the container and Sluice notice on threads of their own. */
    private int statusOnceNot503(String target, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        int status;
        while ((status = get(target).status()) == 503 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return status;
    }

    /** The upstream failed before anything reached the client, which gets this status as a whole answer. */
    private void assertCleanAnswer(String target, int status) throws IOException {
        RawResponse response = get(target);
        assertEquals(status, response.status());
        assertTrue(response.bodyComplete());
    }

    private void assertCutShort(String target) throws IOException {
        long start = System.nanoTime();
        RawResponse response = get(target);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.status());
        assertFalse(response.bodyComplete(), "a truncated body must not look complete");
        assertTrue(millis < 5_000, "client connection closed after " + millis + " ms");
    }

    @Test
    void clientAbortReleasesThePooledConnection() throws Exception {
        try (RawClient client = RawClient.connect(port())) {
            client.send("GET " + CONTEXT + "/api/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponseHeadOnly().status());
            client.bodyStream().readNBytes(10_000);
            assertEquals(1, PoolProbe.leased(CONTEXT, "main"), "the download holds one upstream connection");
            client.abort();
        }
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "main", n -> n == 0, Duration.ofSeconds(10)));
    }

    @Test
    void clientsResettingMidDownloadLeaveLaterRequestsUnharmed() throws Exception {
        // A reset while a response is being written must stay with that exchange: Tomcat recycles
        // its request objects, and an error left on them fails a later client's request.
        for (int i = 0; i < 10; i++) {
            try (RawClient client = RawClient.connect(port())) {
                client.send("GET " + CONTEXT + "/api/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
                assertEquals(200, client.readResponseHeadOnly().status());
                client.bodyStream().readNBytes(100_000);
                client.abort();
            }
        }
        byte[] body = pattern(20_000);
        String received = "body-length=20000\nbody-sha256=" + Handlers.sha256(new ByteArrayInputStream(body)) + "\n";
        for (int i = 0; i < 50; i++) {
            RawResponse response = post(body, "Content-Length: " + body.length);
            assertEquals(200, response.status(), "request " + i + " after the resets");
            assertTrue(response.bodyComplete(), "request " + i + " after the resets");
            assertTrue(response.bodyText().contains(received), "request " + i + ": " + response.bodyText());
        }
    }

    @Test
    void finishedExchangesLeaveNoConnectionLeased() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get(CONTEXT + "/api/echo").status());
        }
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "main", n -> n == 0, Duration.ofSeconds(5)));
    }

    private RawResponse post(byte[] body, String... headerLines) throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("POST " + CONTEXT + "/api/echo HTTP/1.1\r\nHost: localhost\r\n"
                    + String.join("\r\n", headerLines) + "\r\n\r\n", body);
            return client.readResponse();
        }
    }

    private static byte[] chunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int offset = 0; offset < body.length; offset += 7_000) {
            int length = Math.min(7_000, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(US_ASCII));
            out.write(body, offset, length);
            out.writeBytes("\r\n".getBytes(US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(US_ASCII));
        return out.toByteArray();
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }

    private static String readExactly(InputStream in, int length) throws IOException {
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    private static byte[] gzip(String text) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
