package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * What a client sees when its upstream fails: a clean 502 or 504 while nothing has reached it yet,
 * a cut connection once the answer had started, and never a body that looks complete.
 */
class UpstreamFailuresTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        TestOrigin origin = origin("origin", ANSWERS);
        int deadPort;
        try (ServerSocket reserved = new ServerSocket(0)) {
            deadPort = reserved.getLocalPort(); // closed again: connecting there is refused
        }
        ANSWERS.on("cut-chunked", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startChunked();
            response.chunk(new byte[1000]);
            Thread.sleep(200);
            response.closeAbruptly();
        });
        String node = "127.0.0.1:" + origin.port();
        // narrow: one connection, one waiting: a third request in flight is refused with 503.
        return SluiceDeployment.war("failures", SluiceDeployment.route("api", node)
                + SluiceDeployment.route("dead", "127.0.0.1:" + deadPort)
                // Round robin sends every other request to the refusing node first; passive health
                // off, so it stays in rotation and each of those requests must move on by itself.
                + SluiceDeployment.route("half-dead", "127.0.0.1:" + deadPort + ", " + node, "health.max-fails=0")
                + SluiceDeployment.route("slow", node, "timeout=300")
                + SluiceDeployment.route("narrow", node, "pool.max-connections=1", "pool.max-waiting=1"));
    }

    @Test
    void refusedConnectionAnswers502() throws IOException {
        RawResponse response = get("/dead/x");
        assertEquals(502, response.status());
        assertTrue(new String(response.body(), US_ASCII).contains("Bad Gateway"));
    }

    /**
     * An upload larger than the request buffer streams, yet nothing of it is sent before a
     * connection exists: when the first node refuses, the whole body goes to the next node.
     */
    @Test
    void aStreamedUploadMovesOnWhenTheFirstNodeRefusesTheConnection() throws IOException {
        byte[] body = Handlers.pattern(200 * 1024);
        for (int i = 0; i < 4; i++) {
            RawResponse response = post("/half-dead/upload", body, "Content-Length: " + body.length);
            assertEquals(200, response.status(), "upload " + i);
            String echoed = new String(response.body(), US_ASCII);
            assertTrue(echoed.contains("body-length=" + body.length + "\n"), "upload " + i + ": " + echoed);
            assertTrue(echoed.contains("body-sha256=" + Handlers.sha256(new ByteArrayInputStream(body))), "upload " + i);
        }
    }

    @Test
    void aStreamedChunkedUploadMovesOnWhenTheFirstNodeRefusesTheConnection() throws IOException {
        byte[] body = Handlers.pattern(200 * 1024);
        for (int i = 0; i < 4; i++) {
            RawResponse response = post("/half-dead/upload", chunk(body), "Transfer-Encoding: chunked");
            assertEquals(200, response.status(), "upload " + i);
            assertTrue(new String(response.body(), US_ASCII).contains("body-length=" + body.length + "\n"), "upload " + i);
        }
    }

    @Test
    void upstreamTimeoutAnswers504() throws IOException {
        ANSWERS.on("hang", Handlers.hang());
        long start = System.nanoTime();
        RawResponse response = get("/slow/hang");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.status());
        assertTrue(millis >= 250 && millis < 3_000, "answered after " + millis + " ms for a 300 ms timeout");
    }

    /** A head held back for the first body bytes is not yet the client's: a timeout before them is a clean 504. */
    @Test
    void anUpstreamTimingOutAfterItsHeadBeforeAnyBodyAnswers504() throws IOException {
        ANSWERS.on("head-then-hang", exchange -> {
            exchange.response().header("Content-Type", "text/plain").startChunked();
            Handlers.hang().handle(exchange);
        });
        assertCleanAnswer("/slow/head-then-hang", 504);
    }

    @Test
    void upstreamCutAfterCommitClosesTheClientConnection() throws IOException {
        ANSWERS.on("cut", cutAfter1000Of(100_000));
        assertCutShort("/api/cut");
    }

    @Test
    void chunkedUpstreamCutAfterCommitNeverEndsTheBody() throws IOException {
        assertCutShort("/api/cut-chunked");
    }

    @Test
    void smallBodyCutShortByTheUpstreamAnswers502() throws IOException {
        // A body small enough to be gathered whole has not reached the client when the upstream
        // fails, so the client gets a clean answer instead of a cut connection.
        ANSWERS.on("cut-small", cutAfter1000Of(10_000));
        assertCleanAnswer("/api/cut-small", 502);
    }

    @Test
    void bodyTheContainerBufferHoldsCutShortByTheUpstreamAnswers502() throws IOException {
        ANSWERS.on("cut-tiny", cutAfter1000Of(5_000));
        assertCleanAnswer("/api/cut-tiny", 502);
    }

    @Test
    void answersCutAfterCommitEachEndTheirExchange() throws Exception {
        // The narrow upstream refuses a third request in flight with 503: a cut answer whose
        // exchange never ended would hold its place for good.
        for (int i = 0; i < 3; i++) {
            assertEquals(200, statusOnceNot503("/narrow/hello", Duration.ofSeconds(5)), "before cut " + i);
            assertCutShort("/narrow/cut-chunked");
        }
        assertEquals(200, statusOnceNot503("/narrow/hello", Duration.ofSeconds(5)));
    }

    /** Announces a body of this length, sends its first 1,000 bytes, and resets the connection. */
    private static TestOrigin.Handler cutAfter1000Of(long length) {
        return exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startFixed(length);
            response.write(new byte[1000]);
            response.flush();
            Thread.sleep(200);
            response.closeAbruptly();
        };
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
}
