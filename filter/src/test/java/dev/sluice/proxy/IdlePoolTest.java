package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * {@code pool.max-idle}: a burst opens as many upstream connections as it has requests at once;
 * once it is over, the surplus beyond the limit is closed after ten seconds unused instead of
 * holding its buffers for the whole idle timeout, and a pool within the limit keeps its connections until
 * {@code pool.idle-timeout}.
 */
class IdlePoolTest extends SluiceInTomcat {
    private static final int BURST = 8;

    private static TestOrigin bursty;
    private static TestOrigin calm;
    private static TestOrigin brief;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        TestOrigin.Handler slowOk = Handlers.delayed(300, Handlers.fixed(200, "text/plain", "ok".getBytes(US_ASCII)));
        bursty = origin("bursty", slowOk);
        calm = origin("calm", slowOk);
        brief = origin("brief", slowOk);
        return SluiceDeployment.war("idlepool",
                route("bursty", "127.0.0.1:" + bursty.port(), "pool.max-idle=2")
                        // One lane: max-idle is split over the lanes, and two requests at once can
                        // both pick the same lane, which then holds more than its share.
                        + route("calm", "127.0.0.1:" + calm.port(), "pool.max-idle=2", "pool.io-threads=1")
                        + route("brief", "127.0.0.1:" + brief.port(), "pool.idle-timeout=1500"));
    }

    @Test
    void theIdleSurplusOfABurstIsClosedOnceUnusedForTenSeconds() throws Exception {
        sendAtOnce("bursty", BURST);
        assertEquals(BURST, bursty.openConnections(), "one connection per request of the burst");
        // An uneven load's next peak comes within seconds: a surplus unused for less is kept.
        Thread.sleep(5_000);
        assertEquals(BURST, bursty.openConnections(), "kept while unused for less than ten seconds");
        awaitAtMost(bursty::openConnections, 2, 9); // ten seconds unused, then the next trim
    }

    @Test
    void aPoolWithinTheLimitKeepsItsConnections() throws Exception {
        sendAtOnce("calm", 2);
        assertEquals(2, calm.openConnections());
        Thread.sleep(12_000); // past the ten seconds after which a surplus is trimmed, and a trim
        assertEquals(2, calm.openConnections(), "kept for the idle timeout");
    }

    @Test
    void aConnectionIdleForTheIdleTimeoutIsClosed() throws Exception {
        sendAtOnce("brief", 2);
        assertEquals(2, brief.openConnections());
        awaitAtMost(brief::openConnections, 0, 5);
    }

    /** Sends {@code count} requests together, so each needs a connection of its own, and waits for all. */
    private void sendAtOnce(String route, int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + route + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
        }
    }

    private static void awaitAtMost(IntSupplier open, int limit, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (open.getAsInt() > limit) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(open.getAsInt() + " connections still open after " + seconds + " s, limit " + limit);
            }
            Thread.sleep(50);
        }
    }
}
