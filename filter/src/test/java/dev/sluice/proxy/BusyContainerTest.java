package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container's threads belong to the application's own pages. A proxied answer goes to its
 * client from the thread that read its end from the upstream, so it reaches the client even while
 * slow pages hold every container thread; only the request's completion waits for one.
 */
class BusyContainerTest extends SluiceInTomcat {
    /**
     * The container's threads during the test (Tomcat's default, 200, would leave that many idle
     * threads and cached processors to the later tests' small heap), each held by a slow page.
     */
    private static final int CONTAINER_THREADS = 12;
    private static final long PAGE_MILLIS = 6_000;
    /** Far less than the pages take: an answer waiting for a container thread would miss it. */
    private static final long ANSWER_WITHIN_MILLIS = 2_500;
    /** Gathered whole before it is sent. */
    private static final byte[] SMALL = body(1_000);
    /** Streamed in slices, beyond what is gathered (64 KiB). */
    private static final byte[] LARGE = body(200_000);

    private static TestOrigin origin;
    private static volatile CountDownLatch asked;
    private static volatile CountDownLatch release;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", exchange -> {
            asked.countDown();
            release.await();
            byte[] body = exchange.request().target().endsWith("large") ? LARGE : SMALL;
            Handlers.fixed(200, "application/octet-stream", body).handle(exchange);
        });
        return SluiceDeployment.war("busy", route("api", "127.0.0.1:" + origin.port()));
    }

    @BeforeEach
    void resetOrigin() {
        asked = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    @Test
    void gatheredAnswerReachesTheClientWhileEveryContainerThreadIsBusy() throws Exception {
        assertAnswerArrivesDuringSlowPages("api/small", SMALL);
    }

    @Test
    void streamedAnswerReachesTheClientWhileEveryContainerThreadIsBusy() throws Exception {
        assertAnswerArrivesDuringSlowPages("api/large", LARGE);
    }

    private void assertAnswerArrivesDuringSlowPages(String path, byte[] expected) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<byte[]>> proxied = http.sendAsync(
                HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertTrue(asked.await(5, TimeUnit.SECONDS), "the upstream was asked");

        List<RawClient> pages = new ArrayList<>();
        ContainerThreads threads = ContainerThreads.limitTo(port(), CONTAINER_THREADS);
        try {
            for (int i = 0; i < CONTAINER_THREADS; i++) {
                RawClient page = RawClient.connect(port(), Duration.ofMillis(PAGE_MILLIS * 3));
                pages.add(page);
                page.send("GET " + base.getPath() + "app/slow?sleep=" + PAGE_MILLIS + " HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            }
            Thread.sleep(500); // for the container to hand every page a thread before the quick one comes
            CompletableFuture<HttpResponse<String>> quickPage = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "app/quick")).build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(1_000);
            assertFalse(quickPage.isDone(), "precondition: the slow pages hold every container thread");

            release.countDown();
            HttpResponse<byte[]> answer = proxied.get(ANSWER_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
            assertEquals(200, answer.statusCode());
            assertArrayEquals(expected, answer.body());

            for (RawClient page : pages) {
                RawResponse done = page.readResponse();
                assertEquals(200, done.status(), "a slow page still gets its answer");
            }
            assertEquals(200, quickPage.get(10, TimeUnit.SECONDS).statusCode());
        } finally {
            for (RawClient page : pages) {
                page.close();
            }
            threads.restore();
        }
    }

    /** The embedded container's thread limit, changed over JMX (the container runs in this JVM). */
    private record ContainerThreads(ObjectName pool, Object max, Object minSpare) {
        private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

        static ContainerThreads limitTo(int port, int threads) throws Exception {
            ObjectName pool = SERVER.queryNames(new ObjectName("*:type=ThreadPool,*"), null).stream()
                    .filter(name -> name.getKeyProperty("name").endsWith("-" + port + "\""))
                    .findFirst().orElseThrow(() -> new AssertionError("no thread pool for port " + port));
            ContainerThreads saved = new ContainerThreads(pool,
                    SERVER.getAttribute(pool, "maxThreads"), SERVER.getAttribute(pool, "minSpareThreads"));
            SERVER.setAttribute(pool, new Attribute("minSpareThreads", Math.min(threads, (Integer) saved.minSpare)));
            SERVER.setAttribute(pool, new Attribute("maxThreads", threads));
            return saved;
        }

        void restore() throws Exception {
            SERVER.setAttribute(pool, new Attribute("maxThreads", max));
            SERVER.setAttribute(pool, new Attribute("minSpareThreads", minSpare));
        }
    }

    private static byte[] body(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
