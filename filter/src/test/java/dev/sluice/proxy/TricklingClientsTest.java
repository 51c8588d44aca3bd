package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that trickle a request head a byte a second (slowloris) hold connections, not threads:
 * with the connector settings of {@code tomcat-config/server.xml}, proxied requests and the
 * application's own pages are answered at once while more trickling connections are open than
 * the connector has threads. The build runs a few hundred for a few seconds; the figures in
 * docs/reliability.md come from running it by hand with
 * {@code -Dtrickle.connections=5000 -Dtrickle.seconds=60}.
 */
@Tag("own-jvm") // opens hundreds of sockets: no test may run beside it
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TricklingClientsTest {
    private static final int CONNECTIONS = Integer.getInteger("trickle.connections", 300);
    private static final long CHECK_SECONDS = Long.getLong("trickle.seconds", 3);
    /** Far less than a trickling head takes, which never ends: an answer queued behind them would miss it. */
    private static final long ANSWER_WITHIN_MILLIS = 5_000;
    private static final byte[] HEAD = ("GET /trickle/app/slow HTTP/1.1\r\nHost: localhost\r\nX-Padding: "
            + "x".repeat(4_000)).getBytes(US_ASCII);

    private TestOrigin origin;
    private WarHost host;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        origin = TestOrigin.start("trickle-origin", Handlers.echo());
        host = WarHost.start(dir, ShippedConnector.create());
        host.deploy(host.export(SluiceDeployment.war("trickle", SluiceDeployment.route("api", "127.0.0.1:" + origin.port()))), "/trickle");
    }

    @AfterAll
    void stop() throws Exception {
        WarHost.closeAll(host, origin);
    }

    @Test
    void proxiedRequestsAndOwnPagesAreAnsweredWhileClientsTrickleTheirHeads() throws Exception {
        List<Socket> trickling = Collections.synchronizedList(new ArrayList<>());
        Thread trickler = new Thread(() -> trickle(trickling), "trickler");
        trickler.setDaemon(true);
        long heapBefore = heapAfterGc();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), host.port()), 5_000);
                trickling.add(socket);
            }
            trickler.start();
            Thread.sleep(1_500); // every connection has sent its first bytes

            List<Long> millis = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHECK_SECONDS);
            do {
                millis.add(timed("/trickle/api/during-" + millis.size(), "/api/during-" + millis.size()));
                millis.add(timed("/trickle/app/page", "app GET /trickle/app/page"));
            } while (System.nanoTime() < end);
            int open = stillTrickling(trickling);
            Collections.sort(millis);
            long slowest = millis.get(millis.size() - 1);
            if (CONNECTIONS != 300) {
                long grown = heapAfterGc() - heapBefore;
                System.out.printf("%d trickling connections (%d still open) for %d s: %d answers, p50 %d ms, p99 %d ms, slowest %d ms;"
                        + " heap after GC %d MiB more, %d KiB per connection%n", CONNECTIONS, open, CHECK_SECONDS, millis.size(),
                        millis.get(millis.size() / 2), millis.get(millis.size() * 99 / 100), slowest, grown >> 20, (grown >> 10) / CONNECTIONS);
            }
            assertTrue(slowest < ANSWER_WITHIN_MILLIS, "the slowest answer took " + slowest + " ms");
            assertEquals(CONNECTIONS, open, "precondition: every trickling connection was still open");
        } finally {
            trickler.interrupt();
            synchronized (trickling) {
                for (Socket socket : trickling) {
                    socket.close();
                }
            }
        }
    }

    /** Milliseconds until the answer to a GET of the target, which must be a 200 containing the text. */
    private long timed(String target, String expected) throws IOException {
        long start = System.nanoTime();
        RawResponse response;
        try (RawClient client = RawClient.connect(host.port(), Duration.ofSeconds(30))) {
            client.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            response = client.readResponse();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, response.status(), response.toString());
        assertTrue(response.bodyText().contains(expected), response.bodyText());
        return millis;
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Each second, one more byte of the head to every connection. */
    private static void trickle(List<Socket> sockets) {
        for (int i = 0; i < HEAD.length && !Thread.currentThread().isInterrupted(); i++) {
            synchronized (sockets) {
                for (Socket socket : sockets) {
                    try {
                        OutputStream out = socket.getOutputStream();
                        out.write(HEAD[i]);
                        out.flush();
                    } catch (IOException e) {
                        // closed by the server: counted at the end
                    }
                }
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** How many of the connections the server has not closed. */
    private static int stillTrickling(List<Socket> sockets) throws IOException {
        int open = 0;
        synchronized (sockets) {
            for (Socket socket : sockets) {
                socket.setSoTimeout(1);
                try {
                    if (socket.getInputStream().read() < 0) {
                        continue;
                    }
                } catch (SocketTimeoutException e) {
                    open++; // nothing to read: still waiting for the rest of its head
                } catch (IOException e) {
                    // reset
                }
            }
        }
        return open;
    }
}
