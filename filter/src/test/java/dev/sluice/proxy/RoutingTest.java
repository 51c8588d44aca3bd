package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.util.List;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Which requests go upstream, and with which target: the raw URI as sent, or with the route's prefix stripped. */
class RoutingTest extends SluiceInTomcat {
    private static final String CONTEXT = "/routing";

    private static final OriginBehaviours ANSWERS = new OriginBehaviours();

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", ANSWERS);
        return SluiceDeployment.war("routing", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.route.stripped.path=/stripped
                sluice.route.stripped.upstream=main
                sluice.route.stripped.strip-prefix=true
                sluice.upstream.main.nodes=127.0.0.1:%d
                """.formatted(origin.port()));
    }

    private RecordedRequest onlyRequestSeen() {
        return onlyRequestSeen(origin);
    }

    @Test
    void unmatchedPathIsServedByTheApplication() throws IOException {
        RawResponse response = get("/app/hello");
        assertEquals(200, response.status());
        assertEquals("app GET /routing/app/hello", new String(response.body(), US_ASCII));
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void prefixMatchesWholeSegmentsOnly() throws IOException {
        assertEquals(404, get("/apix").status());
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void matchedPathGoesUpstreamWithItsFullUri() throws IOException {
        RawResponse response = get("/api/orders/42?page=2");
        assertEquals(200, response.status());
        assertEquals(CONTEXT + "/api/orders/42?page=2", onlyRequestSeen().target());
        assertTrue(new String(response.body(), US_ASCII).startsWith("origin=origin"));
    }

    /** The container maps /api;jsessionid=.../x as /api/x: the route must see it so too, or the application gets it. */
    @Test
    void aPathParameterOnTheRoutePrefixStillReachesTheUpstreamAsSent() throws IOException {
        assertEquals(200, get("/api;jsessionid=ABC/orders").status());
        assertEquals(CONTEXT + "/api;jsessionid=ABC/orders", onlyRequestSeen().target());
    }

    @Test
    void anEmptySegmentBeforeTheRoutePrefixStillReachesTheUpstreamAsSent() throws IOException {
        assertEquals(200, get("//api/orders").status());
        assertEquals(CONTEXT + "//api/orders", onlyRequestSeen().target());
    }

    @Test
    void aPathParameterOnAStrippedPrefixIsRefused() throws IOException {
        assertEquals(400, get("/stripped;v=1/orders").status());
    }

    @Test
    void aPathParameterAfterAStrippedPrefixGoesWithTheRest() throws IOException {
        assertEquals(200, get("/stripped/orders;v=1").status());
        assertEquals("/orders;v=1", onlyRequestSeen().target());
    }

    @Test
    void stripPrefixRemovesContextAndRoutePrefix() throws IOException {
        assertEquals(200, get("/stripped/orders/42?x=1").status());
        assertEquals("/orders/42?x=1", onlyRequestSeen().target());
    }

    @Test
    void barePrefixWithStripPrefixGoesAsRoot() throws IOException {
        assertEquals(200, get("/stripped").status());
        assertEquals("/", onlyRequestSeen().target());
    }

    @Test
    void rawUriIsForwardedByteForByte() throws IOException {
        String path = "/api/a%2Bb+c%3Fd%20e/%7Euser?q=%2F%3F+%2B&r=a%26b&empty=";
        assertEquals(200, get(path).status());
        assertEquals(CONTEXT + path, onlyRequestSeen().target());
    }

    @Test
    void dotSegmentsInAProxiedPathAreRefused() throws IOException {
        assertEquals(400, get("/api/x/%2e%2e/y").status());
        assertTrue(origin.requests().isEmpty());
    }

    @Test
    void methodAndStatusAreKept() throws IOException {
        ANSWERS.on("accepted", exchange -> exchange.response().status(202, "Accepted").send("queued".getBytes(US_ASCII)));
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
}
