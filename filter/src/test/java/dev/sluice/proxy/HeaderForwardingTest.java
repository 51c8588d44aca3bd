package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** The header rules both ways: hop-by-hop headers stay behind, Via grows, and a client's proxy claims are not believed. */
class HeaderForwardingTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    /** A client's request to switch to cleartext HTTP/2 (RFC 7540, 3.2), with the settings curl sends. */
    private static final String[] H2C_UPGRADE = {"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
        "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA"};

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", ANSWERS);
        return SluiceDeployment.war("headers", SluiceDeployment.route("api", "127.0.0.1:" + origin.port()));
    }

    private RecordedRequest onlyRequestSeen() {
        return onlyRequestSeen(origin);
    }

    @Test
    void hopByHopRequestHeadersStayBehind() throws IOException {
        get("/api/echo",
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
    void aWebSocketHandshakeGoesUpstreamAsAHandshakeAndAnAnswerOtherThan101IsRelayed() throws IOException {
        RawResponse response = get("/api/echo",
                "Connection: Upgrade",
                "Upgrade: websocket",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version: 13");
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("websocket", seen.header("Upgrade"), "a WebSocket handshake is carried through (WebSocketTunnelTest)");
        assertEquals("13", seen.header("Sec-WebSocket-Version"));
        assertEquals(200, response.status(), "the upstream's answer other than 101 is relayed");
    }

    /**
     * An h2c upgrade that reaches the filter (a container with no HTTP/2 upgrade of its own, as
     * this one; Tomcat with {@code Http2Protocol} answers it 101 itself before any filter runs) is no
     * WebSocket handshake: its {@code Upgrade} and {@code HTTP2-Settings} stay on the client's hop.
     */
    @Test
    void anH2cUpgradeReachesTheNodeAsAPlainRequest() throws IOException {
        get("/api/echo", H2C_UPGRADE);
        RecordedRequest seen = onlyRequestSeen();
        assertNull(seen.header("Upgrade"));
        assertNull(seen.header("HTTP2-Settings"));
        assertFalse(String.valueOf(seen.header("Connection")).toLowerCase(Locale.ROOT).contains("upgrade"), seen.header("Connection"));
    }

    @Test
    void theNodesAnswerToAnH2cUpgradeIsRelayedWithoutSwitchingProtocols() throws IOException {
        RawResponse response = get("/api/echo", H2C_UPGRADE);
        assertEquals(200, response.status());
        assertNull(response.header("Upgrade"));
        onlyRequestSeen(); // the node's answer, not one of Sluice's
    }

    @Test
    void hopByHopResponseHeadersStayBehind() throws IOException {
        ANSWERS.on("hop", exchange -> exchange.response()
                .header("Connection", "X-Internal")
                .header("X-Internal", "secret")
                .header("Keep-Alive", "timeout=5")
                .header("Proxy-Authenticate", "Basic")
                .header("X-Visible", "yes")
                .send("hop".getBytes(US_ASCII)));
        RawResponse response = get("/api/hop");
        assertEquals("yes", response.header("X-Visible"));
        assertNull(response.header("X-Internal"));
        assertNull(response.header("Keep-Alive"));
        assertNull(response.header("Proxy-Authenticate"));
        assertEquals("1.1 sluice", response.header("Via"));
    }

    @Test
    void viaIsAppendedUpstream() throws IOException {
        get("/api/echo", "Via: 1.1 edge");
        assertEquals("1.1 edge, 1.1 sluice", onlyRequestSeen().header("Via"));
    }

    @Test
    void forwardingHeadersFromAnUntrustedClientAreReplaced() throws IOException {
        get("/api/echo",
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
        get("/api/echo", "X-Forwarded-Prefix: /evil", "X-Forwarded-Server: evil.example", "X-Real-IP: 6.6.6.6",
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
        get("/api/echo");
        assertEquals("127.0.0.1:" + origin.port(), onlyRequestSeen().header("Host"));
    }

    @Test
    void noUserAgentIsInventedForAClientThatSentNone() throws IOException {
        get("/api/echo");
        assertNull(onlyRequestSeen().header("User-Agent"));
    }

    @Test
    void clientUserAgentPasses() throws IOException {
        get("/api/echo", "User-Agent: probe/1.0");
        assertEquals("probe/1.0", onlyRequestSeen().header("User-Agent"));
    }
}
