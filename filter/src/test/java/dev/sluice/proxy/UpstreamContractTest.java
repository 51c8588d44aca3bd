package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Every field of an upstream, end to end in Tomcat: balancing, Host modes, timeouts and retries,
 * rate limits, header rules and HTTPS. Each behaviour gets its own upstream, so balancer state and
 * dead nodes never leak from one test into another.
 */
class UpstreamContractTest extends SluiceInTomcat {
    private static final String CONTEXT = "/contract";

    private static TestOrigin a;
    private static TestOrigin b;
    private static TestOrigin c;
    private static TestOrigin d;
    private static TestOrigin e;
    private static TestOrigin f;
    private static TestOrigin hang1;
    private static TestOrigin hang2;
    private static TestOrigin tls;
    private static TestOrigin selfSigned;
    private static TestOrigin mutualTls;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        a = origin("a", Handlers.echo());
        b = origin("b", Handlers.echo());
        c = origin("c", Handlers.echo());
        d = origin("d", Handlers.echo());
        e = origin("e", Handlers.echo());
        f = origin("f", Handlers.echo());
        hang1 = origin("hang1", Handlers.hang());
        hang2 = origin("hang2", Handlers.hang());
        TestCertificates pki = TestCertificates.create(Path.of("target", "tls"));
        tls = closedAfterTheClass(TestOrigin.startTls("tls", Handlers.echo(), pki.server(), false));
        selfSigned = closedAfterTheClass(TestOrigin.startTls("self-signed", Handlers.echo(), pki.selfSigned(), false));
        mutualTls = closedAfterTheClass(TestOrigin.startTls("mtls", Handlers.echo(), pki.server(), true));
        int dead;
        try (ServerSocket reserved = new ServerSocket(0)) {
            dead = reserved.getLocalPort();
        }
        String ca = pki.caPem().toAbsolutePath().toString();
        String client = pki.clientP12().toAbsolutePath().toString();
        String config = "sluice.trusted-proxies=127.0.0.1\n"
                + route("wrr", "%s weight=5, %s, %s".formatted(node(a), node(b), node(c)))
                + route("hash", "%s, %s, %s".formatted(node(d), node(e), node(f)), "balance=ip-hash")
                + route("host-node", node(a))
                + route("host-pass", node(a), "host=pass")
                + route("host-rewrite", node(a), "host=rewrite", "host.rewrite=api.internal:8443")
                + route("retry-get", node(hang1) + ", " + node(b), "timeout=300")
                + route("retry-post", node(hang1) + ", " + node(b), "timeout=300")
                + route("retry-refused", "127.0.0.1:" + dead + ", " + node(b))
                + route("exhausted", "%s, %s, %s".formatted(node(hang1), node(hang2), node(b)), "timeout=300", "retries=1")
                + route("limited", node(a), "rate-limit=1", "rate-limit.burst=2")
                + route("per-client", node(a), "rate-limit.per-client=1")
                + route("headers", node(a), "request-headers.set.X-Api-Key=secret", "request-headers.add.X-Tag=sluice",
                        "request-headers.remove=Cookie, X-Debug")
                + route("tls", node(tls), "scheme=https", "tls.trust-store=" + ca)
                + route("tls-default-trust", node(tls), "scheme=https")
                + route("tls-self-signed", node(selfSigned), "scheme=https", "tls.trust-store=" + ca)
                + route("mtls", node(mutualTls), "scheme=https", "tls.trust-store=" + ca, "tls.key-store=" + client,
                        "tls.key-store.password=" + TestCertificates.PASSWORD)
                + route("mtls-no-cert", node(mutualTls), "scheme=https", "tls.trust-store=" + ca);
        return SluiceDeployment.war("contract", config);
    }

    private static String node(TestOrigin origin) {
        return "127.0.0.1:" + origin.port();
    }

    /** Which origin answered, from the echo body. */
    private static String answeredBy(RawResponse response) {
        assertEquals(200, response.status(), () -> new String(response.body(), US_ASCII));
        String body = new String(response.body(), US_ASCII);
        return body.substring("origin=".length(), body.indexOf('\n'));
    }

    private static RecordedRequest last(TestOrigin origin) {
        List<RecordedRequest> seen = origin.requests();
        assertTrue(!seen.isEmpty(), "origin " + origin.name() + " saw no request");
        return seen.get(seen.size() - 1);
    }

    @Test
    void weightsFiveOneOneGiveNginxSmoothSequence() throws IOException {
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            order.append(answeredBy(get("/wrr/x")));
        }
        assertEquals("aabacaa" + "aabacaa", order.toString());
    }

    @Test
    void ipHashKeepsEachClientOnItsNodeAndMovesOnlyTheClientsOfALostNode() throws IOException {
        Map<String, String> nodeOf = new HashMap<>();
        for (int i = 1; i <= 40; i++) {
            String client = "X-Forwarded-For: 198.51.100." + i;
            String first = answeredBy(get("/hash/x", client));
            assertEquals(first, answeredBy(get("/hash/x", client)), "client " + i + " moved");
            nodeOf.put(client, first);
        }
        assertEquals(Set.of("d", "e", "f"), new HashSet<>(nodeOf.values()), "40 clients should reach all three nodes");

        f.close();
        for (Map.Entry<String, String> client : nodeOf.entrySet()) {
            String now = answeredBy(get("/hash/x", client.getKey()));
            if (client.getValue().equals("f")) {
                assertNotEquals("f", now);
            } else {
                assertEquals(client.getValue(), now, "a client of a healthy node moved");
            }
        }
    }

    @Test
    void hostIsTheNodeByDefault() throws IOException {
        get("/host-node/x", "Host: shop.example");
        assertEquals(node(a), last(a).header("Host"));
    }

    @Test
    void hostPassSendsTheClientsHost() throws IOException {
        get("/host-pass/x", "X-Marker: pass");
        assertEquals("localhost:" + port(), last(a).header("Host"));
    }

    @Test
    void hostRewriteSendsTheConfiguredValue() throws IOException {
        get("/host-rewrite/x");
        assertEquals("api.internal:8443", last(a).header("Host"));
    }

    @Test
    void timeoutIsRetriedOnAnUntriedNode() throws IOException {
        int hung = hang1.requests().size();
        long start = System.nanoTime();
        assertEquals("b", answeredBy(get("/retry-get/x")));
        assertEquals(hung + 1, hang1.requests().size(), "the first attempt went to the hanging node");
        assertTrue((System.nanoTime() - start) / 1_000_000 < 3_000);
        assertEquals(1L, PoolProbe.attribute(CONTEXT, "retry-get", "Retries"), "the retry is counted");
    }

    @Test
    void postIsNotRetriedAfterItWasSent() throws IOException {
        int seenByB = b.requests().size();
        try (RawClient client = RawClient.connect(port())) {
            client.send("POST " + CONTEXT + "/retry-post/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n",
                    "{}".getBytes(US_ASCII));
            assertEquals(504, client.readResponse().status());
        }
        assertEquals(seenByB, b.requests().size(), "a POST that may have been processed must not go to another node");
    }

    @Test
    void postIsRetriedWhenTheConnectionNeverOpened() throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("POST " + CONTEXT + "/retry-refused/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n",
                    "hello".getBytes(US_ASCII));
            RawResponse response = client.readResponse();
            assertEquals("b", answeredBy(response));
        }
        assertEquals("POST", last(b).method());
        assertEquals(5, last(b).bodyLength(), "the buffered body is replayed whole");
    }

    @Test
    void exhaustedRetriesAnswer504AndNeverReuseANode() throws IOException {
        int before1 = hang1.requests().size();
        int before2 = hang2.requests().size();
        int beforeB = b.requests().size();
        assertEquals(504, get("/exhausted/x").status());
        assertEquals(1L, PoolProbe.attribute(CONTEXT, "exhausted", "Failures"));
        assertEquals(before1 + 1, hang1.requests().size());
        assertEquals(before2 + 1, hang2.requests().size());
        assertEquals(beforeB, b.requests().size(), "retries=1 allows two attempts in all");
    }

    @Test
    void callsBeyondTheRateAreRefusedWith429AndRateLimitHeaders() throws IOException {
        assertEquals(200, get("/limited/x").status());
        assertEquals(200, get("/limited/x").status());
        RawResponse refused = get("/limited/x");
        assertEquals(429, refused.status());
        assertNotNull(refused.header("Retry-After"));
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1);
        assertEquals("1", refused.header("RateLimit-Limit"));
        assertEquals("0", refused.header("RateLimit-Remaining"));
        assertNotNull(refused.header("RateLimit-Reset"));
        assertEquals(1L, PoolProbe.attribute(CONTEXT, "limited", "RateLimited"));
        assertEquals(2L, PoolProbe.attribute(CONTEXT, "limited", "Requests"));
    }

    @Test
    void perClientLimitSeparatesClients() throws IOException {
        assertEquals(200, get("/per-client/x", "X-Forwarded-For: 203.0.113.1").status());
        assertEquals(429, get("/per-client/x", "X-Forwarded-For: 203.0.113.1").status());
        assertEquals(200, get("/per-client/x", "X-Forwarded-For: 203.0.113.2").status());
    }

    @Test
    void headerRulesSetAddAndRemove() throws IOException {
        get("/headers/x", "X-Api-Key: from-client", "X-Tag: client", "Cookie: session=1", "X-Debug: 1", "X-Other: kept");
        RecordedRequest seen = last(a);
        assertEquals(List.of("secret"), seen.headers("X-Api-Key"));
        assertEquals(List.of("client", "sluice"), seen.headers("X-Tag"));
        assertNull(seen.header("Cookie"));
        assertNull(seen.header("X-Debug"));
        assertEquals("kept", seen.header("X-Other"));
    }

    @Test
    void httpsUpstreamSignedByTheConfiguredCaIsReached() throws IOException {
        assertEquals("tls", answeredBy(get("/tls/x")));
    }

    @Test
    void httpsUpstreamIsRejectedByTheDefaultTrust() throws IOException {
        assertEquals(502, get("/tls-default-trust/x").status());
    }

    @Test
    void selfSignedUpstreamIsRejected() throws IOException {
        assertEquals(502, get("/tls-self-signed/x").status());
        assertTrue(selfSigned.requests().isEmpty());
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() throws IOException {
        assertEquals("mtls", answeredBy(get("/mtls/x")));
    }

    @Test
    void mutualTlsUpstreamRefusesAProxyWithoutCertificate() throws IOException {
        assertEquals(502, get("/mtls-no-cert/x").status());
    }
}
