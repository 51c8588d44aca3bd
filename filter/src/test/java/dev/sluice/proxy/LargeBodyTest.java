package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * 100 MiB each way through a JVM whose whole heap (Tomcat, the filter, the origin and this client)
 * is 96 MiB: only streaming with bounded buffers can pass.
 */
class LargeBodyTest extends SluiceInTomcat {
    private static final long SIZE = 100L * 1024 * 1024;

    private static final AtomicLong SENT = new AtomicLong();

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", exchange -> {
            if (exchange.request().method().equals("GET")) {
                Handlers.bytes(SIZE, SENT).handle(exchange);
            } else {
                Handlers.echo().handle(exchange);
            }
        });
        // The paused download has an upstream of its own: a pooled connection that has just carried
        // 100 MiB has a receive buffer the kernel grew for it (up to tcp_rmem's maximum, 32 MiB on
        // some machines), which would hold that much of the paused body below the proxy.
        return SluiceDeployment.war("large", route("files", "127.0.0.1:" + origin.port())
                + route("paused", "127.0.0.1:" + origin.port()));
    }

    @Test
    void hundredMebibyteDownloadStreamsThrough() throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base + "files/download")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals(Long.toString(SIZE), response.headers().firstValue("Content-Length").orElse(null));
        assertEquals(Handlers.expectedSha256(SIZE), Handlers.sha256(response.body()));
    }

    @Test
    void hundredMebibyteUploadStreamsThrough() throws Exception {
        HttpRequest upload = HttpRequest.newBuilder(URI.create(base + "files/upload"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> Handlers.stream(SIZE)),
                        SIZE))
                .build();
        HttpResponse<Void> response = HttpClient.newHttpClient().send(upload, HttpResponse.BodyHandlers.discarding());
        assertEquals(200, response.statusCode());
        List<RecordedRequest> seen = origin.requests();
        RecordedRequest received = seen.get(seen.size() - 1);
        assertEquals(SIZE, received.bodyLength());
        assertEquals(Handlers.expectedSha256(SIZE), received.bodySha256());
    }

    @Test
    void aClientThatStopsReadingStopsTheUpstreamThenGetsEveryByte() throws Exception {
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(30))) {
            SENT.set(0);
            client.send("GET " + base.getPath() + "paused/x HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            long stalledAt = sentOnceItStopsGrowing();
            // What is in flight is socket buffers and the proxy's bounded window, not the body:
            // buffering it would also run this 96 MiB heap out of memory.
            assertTrue(stalledAt < SIZE / 4, "the origin got " + stalledAt + " bytes out to a client reading nothing");
            RawResponse head = client.readResponseHeadOnly();
            assertEquals(200, head.status());
            assertEquals(Handlers.expectedSha256(SIZE), Handlers.sha256(client.bodyStream()));
        }
    }

    /** Polls the origin's count until it has not moved for a second. */
    private static long sentOnceItStopsGrowing() throws InterruptedException {
        long last = -1;
        int still = 0;
        while (still < 10) {
            Thread.sleep(100);
            long now = SENT.get();
            still = now == last && now > 0 ? still + 1 : 0;
            last = now;
        }
        return last;
    }
}
