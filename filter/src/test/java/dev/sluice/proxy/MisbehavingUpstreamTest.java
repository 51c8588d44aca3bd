package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * An upstream that breaks HTTP/1.1 itself, written byte for byte on its socket: what the client
 * sees is the final answer or a clean 502, memory stays bounded, and the next request on the
 * route is answered rightly (a connection left out of step must not be used again). Both routes
 * allow one connection, so a connection that went back to the pool out of step would serve the
 * next request. A Content-Length beside chunked coding is in {@link ResponseBodiesTest}.
 */
class MisbehavingUpstreamTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    /** The most an endless head may send before Sluice gives up on it: the limits plus socket buffers. */
    private static final long ENDLESS_HEAD_BOUND = 16L << 20;
    /**
     * For answers that are right once the informational ones are passed over: the origin closes
     * after them (its handler only ever answers once), and says so, so that no request is sent on
     * a connection it will never read again.
     */
    private static final String CLOSE = "Connection: close\r\n";

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", ANSWERS);
        return SluiceDeployment.war("misbehaving", SluiceDeployment.route("api", "127.0.0.1:" + origin.port(),
                "pool.max-connections=1", "health.max-fails=0"));
    }

    @Test
    void aResponseHeaderOfAMebibyteIsAnswered502() throws IOException {
        char[] big = new char[1 << 20];
        Arrays.fill(big, 'a');
        raw("big-header", "HTTP/1.1 200 OK\r\nX-Big: " + new String(big) + "\r\nContent-Length: 2\r\n\r\nok");
        assertEquals(502, get("/api/big-header").status());
        assertTheNextRequestIsAnswered();
    }

    @Test
    void anEndlessResponseHeaderIsCutAndAnswered502() throws IOException {
        AtomicLong sent = endless("endless-header", "HTTP/1.1 200 OK\r\nX-Endless: ", "a".repeat(64 * 1024));
        assertEquals(502, get("/api/endless-header").status());
        assertTrue(sent.get() < ENDLESS_HEAD_BOUND, sent.get() + " bytes of head taken");
        assertTheNextRequestIsAnswered();
    }

    @Test
    void endlessResponseHeaderLinesAreCutAndAnswered502() throws IOException {
        AtomicLong sent = endless("endless-lines", "HTTP/1.1 200 OK\r\n", "X-More: 0123456789\r\n".repeat(3_000));
        assertEquals(502, get("/api/endless-lines").status());
        assertTrue(sent.get() < ENDLESS_HEAD_BOUND, sent.get() + " bytes of head taken");
        assertTheNextRequestIsAnswered();
    }

    @Test
    void anUnasked100ContinueIsPassedOverForTheFinalAnswer() throws IOException {
        raw("continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + CLOSE + "\r\nfinal");
        assertFinalAnswer(get("/api/continue"));
        assertTheNextRequestIsAnswered();
    }

    @Test
    void earlyHintsArePassedOverForTheFinalAnswer() throws IOException {
        raw("hints", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + CLOSE + "\r\nfinal");
        assertFinalAnswer(get("/api/hints"));
        assertTheNextRequestIsAnswered();
    }

    @Test
    void aSecondResponseToOneRequestNeverAnswersTheNext() throws IOException {
        raw("twice", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinalHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale");
        assertFinalAnswer(get("/api/twice"));
        assertTheNextRequestsAreNeverAnsweredWithTheStrayBytes();
    }

    @Test
    void aBodyAfterA204IsNotPassedOnNorGivenAsTheNextAnswer() throws IOException {
        raw("no-content", "HTTP/1.1 204 No Content\r\n\r\nstale");
        assertAnsweredWithoutBody(204, get("/api/no-content"));
    }

    @Test
    void aBodyAfterA304IsNotPassedOnNorGivenAsTheNextAnswer() throws IOException {
        raw("not-modified", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nstale");
        assertAnsweredWithoutBody(304, get("/api/not-modified", "If-None-Match: \"x\""));
    }

    @Test
    void aBodySentToAHeadRequestIsNotPassedOnNorGivenAsTheNextAnswer() throws IOException {
        raw("head-body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale");
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("HEAD " + inApplication("/api/head-body") + " HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            RawResponse head = client.readResponse();
            assertEquals(200, head.status());
            client.send("GET " + inApplication("/api/echo?after") + " HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertOwnAnswer(client.readResponse());
        }
    }

    /**
     * Bytes left after a HEAD answer garble the answer to a POST sent next on that connection: the
     * node may have had the request, so it is not sent again (it might be processed twice), and
     * the client gets a clean 502. (This origin never reads past its raw answer: a POST it saw
     * could only be one sent again on a new connection.)
     */
    @Test
    void aPostWhoseAnswerIsGarbledByBytesLeftOnItsConnectionIsNotSentAgain() throws IOException {
        raw("head-before-post", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale");
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(5))) {
            client.send("HEAD " + inApplication("/api/head-before-post") + " HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponse().status());
        }
        RawResponse post = post("/api/echo?posted-once", "order".getBytes(US_ASCII), "Content-Length: 5");
        assertEquals(502, post.status());
        assertEquals("502 Bad Gateway\n", new String(post.body(), US_ASCII));
        assertEquals(0, origin.requests().stream().filter(request -> request.target().endsWith("?posted-once")).count(),
                "sent again on a new connection");
        assertTheNextRequestIsAnswered();
    }

    /**
     * The origin writes these bytes as its whole answer, then holds the connection open for a
     * while, so that Sluice, not the origin's close, decides whether the connection is used again.
     */
    private static void raw(String segment, String answer) {
        ANSWERS.on(segment, exchange -> {
            exchange.response().writeRaw(answer.getBytes(US_ASCII));
            Thread.sleep(1_000);
        });
    }

    /** The origin writes {@code start}, then {@code more} again and again until the connection breaks. */
    private static AtomicLong endless(String segment, String start, String more) {
        AtomicLong sent = new AtomicLong();
        byte[] piece = more.getBytes(US_ASCII);
        ANSWERS.on(segment, exchange -> {
            exchange.response().writeRaw(start.getBytes(US_ASCII));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && sent.get() < 4 * ENDLESS_HEAD_BOUND) {
                exchange.response().writeRaw(piece); // throws once Sluice has closed the connection
                sent.addAndGet(piece.length);
            }
        });
        return sent;
    }

    /**
     * Bytes after a complete answer (a second response, a body after a head that has none by rule)
     * may still be unread when the connection goes back to the pool, and HttpClient then finds
     * them only when the next request's answer is read there: that request is answered a clean
     * 502, never the stray bytes as its answer, and the one after it rightly.
     */
    private void assertTheNextRequestsAreNeverAnsweredWithTheStrayBytes() throws IOException {
        assertTheNextRequestIsAnswered();
        assertTheNextRequestIsAnswered();
    }

    private void assertAnsweredWithoutBody(int status, RawResponse response) throws IOException {
        assertEquals(status, response.status());
        assertEquals(0, response.body().length);
        assertTheNextRequestsAreNeverAnsweredWithTheStrayBytes();
    }

    private static void assertFinalAnswer(RawResponse response) {
        assertEquals(200, response.status());
        assertEquals("final", new String(response.body(), US_ASCII));
    }

    /** A request after the misbehaviour gets its own answer: the origin's echo of it. */
    private void assertTheNextRequestIsAnswered() throws IOException {
        assertOwnAnswer(get("/api/echo?after"));
    }

    private void assertOwnAnswer(RawResponse response) {
        String echo = new String(response.body(), US_ASCII);
        assertEquals(200, response.status(), echo);
        assertTrue(echo.contains("target=" + inApplication("/api/echo?after") + "\n"), echo);
    }
}
