package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Request ids and W3C trace context: a client's id and trace headers reach the upstream unchanged,
 * on every attempt; a request without an id gets one, the same upstream and on the response.
 */
class RequestIdTest extends SluiceInTomcat {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    private static TestOrigin origin;
    private static TestOrigin resetting;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", ANSWERS);
        // Resets every connection before answering: an idempotent GET moves on to the next node.
        resetting = origin("resetting", exchange -> exchange.response().closeAbruptly());
        int deadPort;
        try (ServerSocket reserved = new ServerSocket(0)) {
            deadPort = reserved.getLocalPort(); // closed again: connecting there is refused
        }
        ANSWERS.on("echoes-id", exchange -> exchange.response().header("X-Request-Id", "the-upstream's")
                .header("Content-Type", "text/plain").send("ok".getBytes(StandardCharsets.US_ASCII)));
        String node = "127.0.0.1:" + origin.port();
        return SluiceDeployment.war("request-ids", SluiceDeployment.route("api", node)
                + SluiceDeployment.route("refused-first", "127.0.0.1:" + deadPort + " weight=1000, " + node + " weight=1",
                        "health.max-fails=0")
                + SluiceDeployment.route("reset-first", "127.0.0.1:" + resetting.port() + " weight=1000, " + node + " weight=1",
                        "health.max-fails=0"));
    }

    @Test
    void aClientsIdGoesUpstreamUnchangedAndComesBack() throws IOException {
        RawResponse response = get("/api/x", "X-Request-Id: client-id-17");
        assertEquals(200, response.status());
        assertEquals("client-id-17", onlyRequestSeen(origin).header("X-Request-Id"));
        assertEquals(List.of("client-id-17"), response.headers("X-Request-Id"));
    }

    @Test
    void aRequestWithoutAnIdGetsOneUpstreamAndOnTheResponse() throws IOException {
        RawResponse response = get("/api/x");
        String id = onlyRequestSeen(origin).header("X-Request-Id");
        assertTrue(id != null && id.matches("[0-9a-f]{32}"), "generated id: " + id);
        assertEquals(List.of(id), response.headers("X-Request-Id"));
        assertNotEquals(id, get("/api/x").header("X-Request-Id"), "each request its own id");
    }

    @Test
    void anUnusableIdIsReplacedByOneOfOurs() throws IOException {
        String tooLong = "x".repeat(200);
        RawResponse response = get("/api/x", "X-Request-Id: " + tooLong);
        String id = onlyRequestSeen(origin).header("X-Request-Id");
        assertTrue(id.matches("[0-9a-f]{32}"), "sent upstream: " + id);
        assertEquals(List.of(id), response.headers("X-Request-Id"));
    }

    @Test
    void theResponseCarriesOneIdEvenWhereTheUpstreamSentItsOwn() throws IOException {
        RawResponse response = get("/api/echoes-id", "X-Request-Id: client-id-18");
        assertEquals(List.of("client-id-18"), response.headers("X-Request-Id"));
    }

    @Test
    void sluicesOwnAnswersCarryTheIdToo() throws IOException {
        ANSWERS.on("hang-up", exchange -> exchange.response().closeAbruptly());
        RawResponse response = get("/api/hang-up", "X-Request-Id: client-id-19");
        assertEquals(502, response.status());
        assertEquals(List.of("client-id-19"), response.headers("X-Request-Id"));
    }

    @Test
    void traceContextReachesTheUpstreamUnchanged() throws IOException {
        get("/api/x", "traceparent: " + TRACEPARENT, "tracestate: " + TRACESTATE);
        RecordedRequest seen = onlyRequestSeen(origin);
        assertEquals(TRACEPARENT, seen.header("traceparent"));
        assertEquals(TRACESTATE, seen.header("tracestate"));
    }

    @Test
    void traceContextAndIdReachTheNodeARefusedAttemptMovedTo() throws IOException {
        RawResponse response = get("/refused-first/x", "traceparent: " + TRACEPARENT, "tracestate: " + TRACESTATE);
        assertEquals(200, response.status());
        RecordedRequest seen = onlyRequestSeen(origin);
        assertEquals(TRACEPARENT, seen.header("traceparent"));
        assertEquals(TRACESTATE, seen.header("tracestate"));
        assertEquals(response.header("X-Request-Id"), seen.header("X-Request-Id"), "the same id on the retry");
    }

    @Test
    void traceContextAndIdAreTheSameOnEveryAttempt() throws IOException {
        RawResponse response = get("/reset-first/x", "traceparent: " + TRACEPARENT, "tracestate: " + TRACESTATE,
                "X-Request-Id: client-id-20");
        assertEquals(200, response.status());
        List<RecordedRequest> attempts = new java.util.ArrayList<>(resetting.requests());
        attempts.addAll(origin.requests());
        assertEquals(2, attempts.size(), "the reset attempt and the retry: " + attempts);
        for (RecordedRequest attempt : attempts) {
            assertEquals(TRACEPARENT, attempt.header("traceparent"), attempt.originName());
            assertEquals(TRACESTATE, attempt.header("tracestate"), attempt.originName());
            assertEquals("client-id-20", attempt.header("X-Request-Id"), attempt.originName());
        }
    }
}
