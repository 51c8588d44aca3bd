package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undeploying the application while proxied requests are in flight (an answer still to come, a
 * download half sent, an upstream that never answers): each request completes or is cut, none is
 * left waiting, and nothing of Sluice outlives the application: no thread, no JMX view, no pooled
 * connection to the upstream.
 */
@Tag("own-jvm") // counts the JVM's threads: no test may run beside it
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UndeployInFlightTest {
    private static final int DOWNLOAD = 2 * 1024 * 1024;
    private static final Duration HUNG = Duration.ofSeconds(20);

    private TestOrigin origin;
    private WarHost host;
    private File war;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        OriginBehaviours behaviours = new OriginBehaviours();
        behaviours.on("slow", Handlers.delayed(1_500, Handlers.bytes(1_000)));
        behaviours.on("download", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startFixed(DOWNLOAD);
            byte[] chunk = new byte[16 * 1024];
            try (InputStream in = Handlers.stream(DOWNLOAD)) {
                for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0;) {
                    response.write(chunk, 0, n);
                    response.flush();
                    Thread.sleep(25); // about 3 s in all: still sending when the application goes
                }
            }
        });
        behaviours.on("hang", Handlers.hang());
        origin = TestOrigin.start("undeploy-origin", behaviours);
        host = WarHost.start(dir);
        // A long timeout, so that only the undeployment can end the request that never gets an answer.
        war = host.export(SluiceDeployment.war("gone", SluiceDeployment.route("up", "127.0.0.1:" + origin.port(), "timeout=60000")));
    }

    @AfterAll
    void stop() throws Exception {
        WarHost.closeAll(host, origin);
    }

    @Test
    void requestsInFlightEndAndNothingOfSluiceStaysWhenTheApplicationIsUndeployed() throws Exception {
        Set<Thread> earlier = Leftovers.sluiceThreads();
        StandardContext context = host.deploy(war, "/gone");
        ExecutorService clients = Executors.newCachedThreadPool();
        List<Future<String>> ends = new ArrayList<>();
        for (String path : List.of("slow", "slow", "download", "download", "hang", "hang")) {
            ends.add(clients.submit(() -> request("/gone/up/" + path)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (origin.requests().size() < ends.size() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(ends.size(), origin.requests().size(), "requests in flight before the undeployment");
        Thread.sleep(300); // the downloads are under way

        long undeploying = System.nanoTime();
        host.undeploy(context);
        long undeployMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - undeploying);

        List<String> outcomes = new ArrayList<>();
        for (Future<String> end : ends) {
            outcomes.add(end.get(HUNG.toSeconds() + 5, TimeUnit.SECONDS));
        }
        clients.shutdown();
        assertTrue(outcomes.stream().noneMatch(o -> o.startsWith("hung")), outcomes.toString());
        assertTrue(outcomes.stream().noneMatch(o -> o.startsWith("wrong")), outcomes.toString());
        assertTrue(undeployMillis < 15_000, "undeploying took " + undeployMillis + " ms");
        assertFalse(PoolProbe.registered("/gone", "up"), "the upstream's JMX view outlived the application");
        assertEquals(Set.of(), Leftovers.newSluiceThreads(earlier), "Sluice threads outlived the application");
        assertEquals(0, awaitNoConnections(), "connections of Sluice's pool to the upstream still open");
    }

    /**
     * How one request ended: a complete answer (a 200 with every byte, or a short 5xx), a cut
     * (the connection closed before the body's end), "hung" (nothing for 20 s) or "wrong".
     */
    private String request(String target) {
        try (RawClient client = RawClient.connect(host.port(), HUNG)) {
            client.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n", new byte[0]);
            RawResponse response = client.readResponse();
            if (!response.bodyComplete()) {
                return "cut " + response.status() + " after " + response.body().length + " bytes";
            }
            if (response.status() == 200) {
                long length = target.endsWith("download") ? DOWNLOAD : 1_000;
                boolean right = Handlers.sha256(new ByteArrayInputStream(response.body())).equals(Handlers.expectedSha256(length));
                return (right ? "complete " : "wrong body of ") + target;
            }
            return response.status() >= 500 ? "answered " + response.status() : "wrong status " + response.status();
        } catch (java.net.SocketTimeoutException e) {
            return "hung: " + target;
        } catch (EOFException | SocketException e) {
            return "cut: " + e.getMessage();
        } catch (IOException e) {
            return "wrong: " + e;
        }
    }

    private int awaitNoConnections() throws InterruptedException {
        for (int i = 0; i < 50 && origin.openConnections() > 0; i++) {
            Thread.sleep(100);
        }
        return origin.openConnections();
    }
}
