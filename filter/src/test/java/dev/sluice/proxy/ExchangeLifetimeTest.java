package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * However its client behaves (stalls, stops reading, leaves, resets), an exchange ends, gives its
 * upstream connection back, harms no later request, and does not blame the node for the client.
 */
class ExchangeLifetimeTest extends SluiceInTomcat {
    private static final String CONTEXT = "/lifetime";
    private static final long BIG = 64L * 1024 * 1024;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        OriginBehaviours answers = new OriginBehaviours();
        answers.on("big", Handlers.bytes(BIG));
        String node = "127.0.0.1:" + origin("origin", answers).port();
        // narrow: one connection, one waiting: a third request in flight is refused with 503.
        return SluiceDeployment.war("lifetime", SluiceDeployment.route("api", node)
                + SluiceDeployment.route("slow", node, "timeout=300")
                + SluiceDeployment.route("narrow", node, "pool.max-connections=1", "pool.max-waiting=1"));
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
            assertTrue(rest < BIG - 100_000, "the download was cut: " + rest + " more bytes");
        }
        assertEquals(failuresBefore, nodeFailures("slow"));
    }

    @Test
    void clientsLeavingMidDownloadEachEndTheirExchange() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, statusOnceNot503("/narrow/hello", Duration.ofSeconds(5)), "before download " + i);
            try (RawClient client = RawClient.connect(port())) {
                client.send("GET " + CONTEXT + "/narrow/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
                assertEquals(200, client.readResponseHeadOnly().status(), "download " + i);
                client.bodyStream().readNBytes(100_000);
                client.abort();
            }
        }
        assertEquals(200, statusOnceNot503("/narrow/hello", Duration.ofSeconds(5)));
    }

    @Test
    void clientAbortReleasesThePooledConnection() throws Exception {
        try (RawClient client = RawClient.connect(port())) {
            client.send("GET " + CONTEXT + "/api/big HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            assertEquals(200, client.readResponseHeadOnly().status());
            client.bodyStream().readNBytes(10_000);
            assertEquals(1, PoolProbe.leased(CONTEXT, "api"), "the download holds one upstream connection");
            client.abort();
        }
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "api", n -> n == 0, Duration.ofSeconds(10)));
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
        byte[] body = Handlers.pattern(20_000);
        String received = "body-length=20000\nbody-sha256=" + Handlers.sha256(new ByteArrayInputStream(body)) + "\n";
        for (int i = 0; i < 50; i++) {
            RawResponse response = post("/api/echo", body, "Content-Length: " + body.length);
            assertEquals(200, response.status(), "request " + i + " after the resets");
            assertTrue(response.bodyComplete(), "request " + i + " after the resets");
            assertTrue(response.bodyText().contains(received), "request " + i + ": " + response.bodyText());
        }
    }

    @Test
    void finishedExchangesLeaveNoConnectionLeased() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/api/echo").status());
        }
        assertEquals(0, PoolProbe.awaitLeased(CONTEXT, "api", n -> n == 0, Duration.ofSeconds(5)));
    }

    /** The failures the status view counts for the upstream's only node. */
    private static long nodeFailures(String upstream) {
        String node = PoolProbe.nodes(CONTEXT, upstream)[0];
        Matcher failures = Pattern.compile(" failures=(\\d+) ").matcher(node);
        assertTrue(failures.find(), node);
        return Long.parseLong(failures.group(1));
    }
}
