package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.util.List;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Behind a trusted proxy (here: the test client on loopback), forwarding headers are kept and appended to. */
class TrustedProxyTest extends SluiceInTomcat {
    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", Handlers.echo());
        return SluiceDeployment.war("trusted", """
                sluice.trusted-proxies=10.0.0.0/8, 127.0.0.1/32
                sluice.forwarded-header=true
                sluice.via=gw-1
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:%d
                """.formatted(origin.port()));
    }

    private RecordedRequest forward(String... headerLines) throws IOException {
        assertEquals(200, get("/api/x", headerLines).status());
        List<RecordedRequest> seen = origin.requests();
        assertEquals(1, seen.size());
        return seen.get(0);
    }

    @Test
    void forwardedForIsAppendedToTheTrustedChain() throws IOException {
        RecordedRequest seen = forward("X-Forwarded-For: 198.51.100.7, 10.1.2.3");
        assertEquals("198.51.100.7, 10.1.2.3, 127.0.0.1", seen.header("X-Forwarded-For"));
    }

    @Test
    void protoHostAndPortFromTheTrustedProxyAreKept() throws IOException {
        RecordedRequest seen = forward(
                "X-Forwarded-Proto: https", "X-Forwarded-Host: shop.example", "X-Forwarded-Port: 443");
        assertEquals("https", seen.header("X-Forwarded-Proto"));
        assertEquals("shop.example", seen.header("X-Forwarded-Host"));
        assertEquals("443", seen.header("X-Forwarded-Port"));
    }

    @Test
    void otherProxyClaimsFromTheTrustedProxyPass() throws IOException {
        RecordedRequest seen = forward("X-Forwarded-Prefix: /shop", "X-Real-IP: 198.51.100.7");
        assertEquals("/shop", seen.header("X-Forwarded-Prefix"));
        assertEquals("198.51.100.7", seen.header("X-Real-IP"));
    }

    @Test
    void missingProxyHeadersAreFilledIn() throws IOException {
        RecordedRequest seen = forward();
        assertEquals("127.0.0.1", seen.header("X-Forwarded-For"));
        assertEquals("http", seen.header("X-Forwarded-Proto"));
    }

    @Test
    void rfc7239ForwardedIsAppendedWhenEnabled() throws IOException {
        RecordedRequest seen = forward("Forwarded: for=198.51.100.7;proto=https");
        assertEquals("for=198.51.100.7;proto=https, for=127.0.0.1;proto=http;host=\"localhost:" + port() + "\"",
                seen.header("Forwarded"));
    }

    @Test
    void viaUsesTheConfiguredPseudonym() throws IOException {
        assertEquals("1.1 gw-1", forward().header("Via"));
    }
}
