package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Response bodies on their way down: byte for byte, framed right, and streamed as the upstream sends them. */
class ResponseBodiesTest extends SluiceInTomcat {
    private static final String CONTEXT = "/downloads";
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    private static final byte[] GZIPPED = gzip("hello, compressed world\n".repeat(50));
    private static final byte[] PIECES = Handlers.pattern(50_000);

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", ANSWERS);
        ANSWERS.on("gzip", exchange -> exchange.response()
                .header("Content-Type", "text/plain")
                .header("Content-Encoding", "gzip")
                .send(GZIPPED));
        return SluiceDeployment.war("downloads", SluiceDeployment.route("api", "127.0.0.1:" + origin.port()));
    }

    @Test
    void gzipBodyPassesByteForByte() throws IOException {
        RawResponse response = get("/api/gzip", "Accept-Encoding: gzip");
        assertEquals("gzip", response.header("Content-Encoding"));
        assertEquals(Integer.toString(GZIPPED.length), response.header("Content-Length"));
        assertArrayEquals(GZIPPED, response.body());
        assertEquals("gzip", onlyRequestSeen(origin).header("Accept-Encoding"));
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
        ANSWERS.on("not-modified", exchange -> exchange.response()
                .status(304, "Not Modified")
                .header("ETag", "\"v1\"")
                .send(new byte[0]));
        RawResponse response = get("/api/not-modified", "If-None-Match: \"v1\"");
        assertEquals(304, response.status());
        assertEquals("\"v1\"", response.header("ETag"));
        assertEquals("\"v1\"", origin.requests().get(0).header("If-None-Match"));
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "api", n -> n == 0, Duration.ofSeconds(5)));
    }

    @Test
    void chunkedResponseArrivesWhole() throws IOException {
        ANSWERS.on("chunked", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startChunked();
            response.chunk("first-".getBytes(US_ASCII));
            // Apart, so the relay sends the first chunk before the end is known; read together
            // with the end, a body this small is answered with a Content-Length instead.
            Thread.sleep(100);
            response.chunk("second".getBytes(US_ASCII));
            response.endChunked();
        });
        RawResponse response = get("/api/chunked");
        assertTrue(response.wasChunked());
        assertTrue(response.bodyComplete());
        assertEquals("first-second", new String(response.body(), US_ASCII));
    }

    @Test
    void serverSentEventsArriveOneByOne() throws IOException {
        CountDownLatch secondEvent = new CountDownLatch(1);
        ANSWERS.on("sse", exchange -> {
            TestOrigin.Response response = startEventStream(exchange);
            response.chunk("data: one\n\n".getBytes(US_ASCII));
            if (!secondEvent.await(30, TimeUnit.SECONDS)) {
                // The first event never reached the client: end without the second, so that a
                // relay holding events back cannot pass by getting both at the end.
                response.closeAbruptly();
                return;
            }
            response.chunk("data: two\n\n".getBytes(US_ASCII));
            response.endChunked();
        });
        try (RawClient client = RawClient.connect(port())) {
            client.send("GET " + CONTEXT + "/api/sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n", null);
            RawResponse head = client.readResponseHeadOnly();
            assertEquals("text/event-stream", head.header("Content-Type"));
            InputStream events = client.bodyStream();
            // The origin holds the second event back until the first one has reached us, far
            // longer than this read waits.
            client.setReadTimeout(Duration.ofSeconds(5));
            assertEquals("data: one\n\n", readExactly(events, "data: one\n\n".length()));
            secondEvent.countDown();
            assertEquals("data: two\n\n", readExactly(events, "data: two\n\n".length()));
        }
    }

    /** The origin sends the event only once the head has reached the client. */
    @Test
    void anEventStreamsHeadReachesTheClientBeforeItsFirstEvent() throws IOException {
        CountDownLatch headArrived = new CountDownLatch(1);
        ANSWERS.on("late-event", exchange -> {
            TestOrigin.Response response = startEventStream(exchange);
            headArrived.await(30, TimeUnit.SECONDS);
            response.chunk("data: late\n\n".getBytes(US_ASCII));
            response.endChunked();
        });
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("GET " + CONTEXT + "/api/late-event HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse head = client.readResponseHeadOnly();
            assertEquals(200, head.status());
            headArrived.countDown();
            assertEquals("data: late\n\n", readExactly(client.bodyStream(), "data: late\n\n".length()));
        }
    }

    /** RFC 9112, 6.3: Transfer-Encoding frames the body; the Content-Length beside it must not reach the client. */
    @Test
    void aLengthBesideChunkedCodingIsDropped() throws IOException {
        ANSWERS.on("chunked-with-length", exchange -> {
            exchange.body().transferTo(OutputStream.nullOutputStream());
            exchange.response().writeRaw(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Length: 5\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n").getBytes(US_ASCII));
        });
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("GET " + CONTEXT + "/api/chunked-with-length HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse response = client.readResponse();
            assertEquals("01234567890123456789", new String(response.body(), US_ASCII));
            assertTrue(response.bodyComplete());
            client.send("GET " + CONTEXT + "/api/echo HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponse().status(), "the connection is still in step");
        }
    }

    @Test
    void smallBodySentInPiecesArrivesWholeAndInOrder() throws IOException {
        ANSWERS.on("pieces", exchange -> {
            // A body the relay gathers whole (over the container's 8 KiB buffer, under 64 KiB),
            // sent in pieces with pauses so that it reaches the relay in several reads.
            TestOrigin.Response response = exchange.response();
            response.startFixed(PIECES.length);
            for (int sent = 0; sent < PIECES.length; sent += 10_000) {
                response.write(Arrays.copyOfRange(PIECES, sent, Math.min(sent + 10_000, PIECES.length)));
                response.flush();
                Thread.sleep(20);
            }
        });
        RawResponse response = get("/api/pieces");
        assertEquals(200, response.status());
        assertArrayEquals(PIECES, response.body());
    }

    @Test
    void bodiesAnsweredAtOnceArriveWholeEveryTime() throws IOException {
        // A fast upstream answers before the container's first write call back, when the output
        // is not ready yet even for bytes it would only buffer: the relay must wait for the call
        // back, or the client gets an empty answer (a race: a few requests in a hundred).
        ANSWERS.on("at-once-small", exchange -> exchange.response().send(Arrays.copyOf(PIECES, 2_000)));
        ANSWERS.on("at-once-gathered", exchange -> exchange.response().send(Arrays.copyOf(PIECES, 20_000)));
        for (int length : new int[] {2_000, 20_000}) {
            String path = length < 8192 ? "/api/at-once-small" : "/api/at-once-gathered";
            for (int i = 0; i < 150; i++) {
                RawResponse response = get(path);
                assertEquals(200, response.status());
                assertEquals("1.1 sluice", response.header("Via"));
                assertArrayEquals(Arrays.copyOf(PIECES, length), response.body(), path + ", request " + i);
            }
        }
    }

    private static TestOrigin.Response startEventStream(TestOrigin.Exchange exchange) throws IOException {
        TestOrigin.Response response = exchange.response().header("Content-Type", "text/event-stream");
        response.startChunked();
        return response;
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
