package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.URI;
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
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A full pool. {@code pool.max-waiting}: requests beyond what the pool serves and its queue may
 * hold are refused at once with 503, instead of each holding memory while it waits for a
 * connection. {@code connect-timeout}: a request that waits gets a connection within it or a 503
 * with {@code Retry-After: 1} (docs/configuration.md, "Errors"), and the full pool says nothing
 * about the node's health.
 */
class OverloadTest extends SluiceInTomcat {
    private static final String CONTEXT = "/overload";

    private static TestOrigin origin;
    private static final Semaphore asked = new Semaphore(0);
    /** Holds the origin's answers to upstream {@code slow}. */
    private static final CountDownLatch release = new CountDownLatch(1);
    /** Holds the origin's answers to upstream {@code brief}. */
    private static final CountDownLatch releaseBrief = new CountDownLatch(1);

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", exchange -> {
            asked.release();
            (exchange.request().target().contains("/brief/") ? releaseBrief : release).await(10, TimeUnit.SECONDS);
            Handlers.fixed(200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII)).handle(exchange);
        });
        String node = "127.0.0.1:" + origin.port();
        // slow: one connection, one waiting: the third request at once is one too many. The waiting
        // one would wait up to connect-timeout (10 s) for the connection before a 503 of its own.
        // brief: one connection, a short wait for it, and a single failure would eject the node
        // (passive health may take a one-node upstream out only at max-ejected-percent=100).
        return SluiceDeployment.war("overload", route("slow", node,
                "pool.max-connections=1", "pool.max-waiting=1", "pool.io-threads=1", "connect-timeout=10000", "timeout=20000")
                + route("brief", node, "pool.max-connections=1", "pool.io-threads=1", "connect-timeout=500", "timeout=20000",
                        "health.max-fails=1", "health.max-ejected-percent=100"));
    }

    @AfterAll
    static void stopOrigin() {
        release.countDown();
        releaseBrief.countDown();
    }

    @Test
    void requestBeyondThePoolAndItsQueueIsRefusedAtOnce() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        asked.drainPermits();
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

    /**
     * HttpClient's pool checks a waiting request's deadline only as connections come and go: with
     * the one connection held, the second request waited until it was released, then got a 504.
     */
    @Test
    void aRequestThatFindsNoFreeConnectionIsAnswered503AfterConnectTimeoutAndTheNodeStaysUp() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        asked.drainPermits();
        CompletableFuture<HttpResponse<String>> holding = http.sendAsync(request("brief/a"), HttpResponse.BodyHandlers.ofString());
        assertTrue(asked.tryAcquire(5, TimeUnit.SECONDS), "the first request reached the origin");

        long started = System.nanoTime();
        HttpResponse<String> waited = http.send(request("brief/b"), HttpResponse.BodyHandlers.ofString());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(503, waited.statusCode());
        assertEquals("1", waited.headers().firstValue("Retry-After").orElse(null));
        assertTrue(tookMillis >= 450 && tookMillis < 3_000, "answered after connect-timeout, not when the connection freed: "
                + tookMillis + " ms");
        String node = PoolProbe.nodes(CONTEXT, "brief")[0];
        assertTrue(node.endsWith(" up") && node.contains(" failures=0 "), "a full pool is not the node's failure: " + node);

        releaseBrief.countDown();
        assertEquals(200, holding.get(10, TimeUnit.SECONDS).statusCode(), "the request holding the connection loses nothing");
        assertTrue(origin.requests().stream().noneMatch(r -> r.target().contains("/brief/b")), "the refused request never reached the origin");
        assertEquals(200, http.send(request("brief/c"), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "the node takes the next request");
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
