package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code pool.max-waiting}: requests beyond what the pool serves and its queue may hold are
 * refused at once with 503, instead of each holding memory while it waits for a connection.
 */
@ExtendWith(ArquillianExtension.class)
class OverloadTest {
    private static final String CONTEXT = "/overload";

    private static TestOrigin origin;
    private static final Semaphore asked = new Semaphore(0);
    private static final CountDownLatch release = new CountDownLatch(1);

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = TestOrigin.start("origin", exchange -> {
            asked.release();
            release.await();
            Handlers.fixed(200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII)).handle(exchange);
        });
        // One connection, one waiting: the third request at once is one too many. The waiting one
        // would wait up to connect-timeout (10 s) for the connection before a 503 of its own.
        return SluiceDeployment.war("overload", route("slow", "127.0.0.1:" + origin.port(),
                "pool.max-connections=1", "pool.max-waiting=1", "pool.io-threads=1", "connect-timeout=10000", "timeout=20000"));
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @Test
    void requestBeyondThePoolAndItsQueueIsRefusedAtOnce() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> served = http.sendAsync(request("slow/a"), HttpResponse.BodyHandlers.ofString());
        assertTrue(asked.tryAcquire(5, TimeUnit.SECONDS), "the first request reached the origin");
        CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(request("slow/b"), HttpResponse.BodyHandlers.ofString());
        awaitPendingConnection();

        long started = System.nanoTime();
        HttpResponse<String> refused = http.send(request("slow/c"), HttpResponse.BodyHandlers.ofString());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(503, refused.statusCode());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
        assertTrue(tookMillis < 2_000, "refused at once, not after the 10 s wait for a connection: " + tookMillis + " ms");
        assertEquals(1L, PoolProbe.attribute(CONTEXT, "slow", "Overloaded"));

        release.countDown();
        assertEquals(200, served.get(10, TimeUnit.SECONDS).statusCode(), "admitted requests lose nothing");
        assertEquals(200, waiting.get(10, TimeUnit.SECONDS).statusCode(), "admitted requests lose nothing");
        assertEquals(200, http.send(request("slow/d"), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "once the load is gone, requests are admitted again");
    }

    /** The second request is in flight once it waits in the pool's queue for the one connection. */
    private static void awaitPendingConnection() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (PoolProbe.attribute(CONTEXT, "slow", "PendingConnections").intValue() < 1) {
            assertTrue(System.nanoTime() < deadline, "the second request waits for the pool");
            Thread.sleep(20);
        }
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15)).build();
    }
}
