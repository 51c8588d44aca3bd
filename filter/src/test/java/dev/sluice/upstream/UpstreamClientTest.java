package dev.sluice.upstream;

import dev.sluice.forwarding.UpstreamFailure;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.NodeSettings;
import dev.sluice.config.Scheme;
import dev.sluice.config.SettingsParser;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.testing.Answers;
import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.entity.AbstractBinAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream's lanes: every lane is an I/O thread with its part of the pool, exchanges are
 * spread evenly over them whatever the pool holds, and the configured limits hold for the lanes
 * together.
 */
class UpstreamClientTest {
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        timer.shutdownNow();
    }

    @Test
    void exchangesRunningTogetherAreSpreadEvenlyOverTheLanesAfterABurst() throws Exception {
        TestOrigin origin = origin(Handlers.delayed(100, ok()), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 2);
        Node node = node(origin);
        // A burst leaves a pool of 16 connections: with one pool reusing the last released first,
        // later exchanges could all stay on connections of one I/O thread.
        sendTogether(client, node, 16);
        for (int round = 0; round < 5; round++) {
            Map<String, Integer> perLane = new TreeMap<>();
            for (String thread : sendTogether(client, node, 4)) {
                perLane.merge(lane(thread), 1, Integer::sum);
            }
            assertEquals(Map.of("lane0", 2, "lane1", 2), perLane, "round " + round);
        }
    }

    @Test
    void requestsOneAtATimeReuseOneConnection() throws Exception {
        TestOrigin origin = origin(ok(), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 4);
        for (int i = 0; i < 5; i++) {
            sendTogether(client, node(origin), 1);
            // HttpClient may report the answer just before the connection is back in the pool.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (client.poolStats().getAvailable() < 1) {
                assertTrue(System.nanoTime() < deadline, "the connection went back to the pool");
                Thread.onSpinWait();
            }
        }
        assertEquals(1, origin.connectionsAccepted());
    }

    @Test
    void timersAreCheckedAtATwentiethOfTheShortestTimeoutBetweenTenMillisecondsAndASecond() {
        assertEquals(250, UpstreamClient.selectInterval(settings()).toMilliseconds(), "defaults: a 5 s connect-timeout");
        assertEquals(25, UpstreamClient.selectInterval(settings("timeout", "500")).toMilliseconds());
        assertEquals(10, UpstreamClient.selectInterval(settings("timeout", "100")).toMilliseconds());
        assertEquals(1_000, UpstreamClient.selectInterval(settings("timeout", "60000", "connect-timeout", "30000")).toMilliseconds());
    }

    /**
     * Upstreams share a lane's reactor only with the same check interval; taken down to a step of a
     * halving ladder, close timeouts share lanes and still fire at most a twentieth late.
     */
    @Test
    void sharedLanesCheckTimersAtTheLadderStepNotAboveTheUpstreamsInterval() {
        assertEquals(250, IoThreads.Profile.of(settings()).selectMillis(), "defaults");
        assertEquals(15, IoThreads.Profile.of(settings("timeout", "500")).selectMillis());
        assertEquals(125, IoThreads.Profile.of(settings("timeout", "4000")).selectMillis());
        assertEquals(10, IoThreads.Profile.of(settings("timeout", "100")).selectMillis());
        assertEquals(1_000, IoThreads.Profile.of(settings("timeout", "60000", "connect-timeout", "30000")).selectMillis());
    }

    /**
     * The promise the interval keeps, over a real socket: a 300 ms timeout is checked every 15 ms.
     * With HttpClient's own second, a request started just after a check (each one after the first
     * is) times out a whole second after it began; the bound leaves a loaded machine half a second
     * of scheduling slack and still tells the two apart.
     */
    @Test
    void aTimeoutFiresAtMostATwentiethLatePlusSchedulingSlack() throws Exception {
        TestOrigin origin = origin(Handlers.delayed(2_000, ok()), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 1, "timeout", "300");
        // A lane starts its client on its first exchange: that one is not timed.
        assertThrows(ExecutionException.class, () -> send(client, node(origin), "GET").get(10, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            assertThrows(ExecutionException.class, () -> send(client, node(origin), "GET").get(10, TimeUnit.SECONDS));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 300 && millis < 850, "request " + i + " timed out after " + millis + " ms");
        }
    }

    /**
     * HttpClient's pool checks a waiting lease's deadline only as connections come and go; with
     * the only connection held by a slow exchange, the second waited the whole 3 s.
     */
    @Test
    void anExchangeThatFindsNoFreeConnectionIsRefusedAfterConnectTimeoutWithoutBeingSent() throws Exception {
        TestOrigin origin = origin(Handlers.delayed(3_000, ok()), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 1, "pool.max-connections", "1", "connect-timeout", "400");
        CompletableFuture<String> holding = send(client, node(origin), "GET");
        long start = System.nanoTime();
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> send(client, node(origin), "GET").get(10, TimeUnit.SECONDS));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(refused.getCause() instanceof ConnectionRequestTimeoutException, "refused for the pool: " + refused);
        assertTrue(millis >= 400 && millis < 1_500, "refused after " + millis + " ms");
        holding.get(10, TimeUnit.SECONDS);
        assertEquals(1, origin.requests().size(), "the refused exchange never reached the origin");
        assertEquals(0, client.poolStats().getPending(), "nothing left waiting in the pool");
    }

    /**
     * The wait ends when the pool leases a connection; opening it is the connect timeout's
     * business. The first exchange's connection closes after 300 ms of a 1 s limit, and the new one
     * the second exchange gets cannot connect (the origin's accept queue is full): a node that
     * cannot be reached, retried elsewhere and counted against the node, not a full pool.
     */
    @Test
    void aWaitEndsWithTheLeaseAndAConnectThatHangsAfterItIsAConnectTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread origin = new Thread(() -> {
                try (Socket first = server.accept()) {
                    first.getInputStream().read(new byte[4096]);
                    Thread.sleep(300);
                    first.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(US_ASCII));
                } catch (IOException | InterruptedException e) {
                    // the test fails on the first exchange
                }
            });
            origin.start();
            Node node = Node.of(0, new NodeSettings("127.0.0.1", server.getLocalPort(), 1), Scheme.HTTP);
            UpstreamClient client = new UpstreamClient(settings("nodes", "127.0.0.1:" + server.getLocalPort(), "pool.io-threads", "1",
                    "pool.max-connections", "1", "connect-timeout", "1000"), timer);
            opened.add(client);
            CompletableFuture<String> first = send(client, node, "GET");
            Thread.sleep(100);
            fillAcceptQueue(server.getLocalPort());
            CompletableFuture<String> second = send(client, node, "GET");
            first.get(10, TimeUnit.SECONDS);
            ExecutionException failed = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
            assertTrue(!UpstreamFailure.waitedForPool(failed), "leased in time, then the connect hung: " + failed.getCause());
            origin.join(5_000);
        }
    }

    /** Connects until the listening socket's queue is full, so that the next connect hangs. */
    private void fillAcceptQueue(int port) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket filler = new Socket();
            opened.add(filler);
            try {
                filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 150);
            } catch (SocketTimeoutException full) {
                return;
            }
        }
    }

    @Test
    void anExchangeWaitingForAConnectionIsSentWhenOneFreesInTime() throws Exception {
        TestOrigin origin = origin(Handlers.delayed(300, ok()), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 1, "pool.max-connections", "1", "connect-timeout", "2000");
        CompletableFuture<String> first = send(client, node(origin), "GET");
        CompletableFuture<String> second = send(client, node(origin), "GET");
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(1, origin.connectionsAccepted(), "the second went on the first one's connection");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.poolStats().getAvailable() < 1) {
            assertTrue(System.nanoTime() < deadline, "the connection went back to the pool");
            Thread.onSpinWait();
        }
        send(client, node(origin), "GET").get(10, TimeUnit.SECONDS);
        assertEquals(1, origin.connectionsAccepted(), "a connection a waiting exchange had is leased again like any other");
    }

    @Test
    void aNodeNeverHasMoreConnectionsThanItsLimitOverAllLanes() throws Exception {
        assertEquals(3, mostAtOnce("pool.max-per-node"), "the whole limit is used, and no more");
    }

    @Test
    void anUpstreamNeverHasMoreConnectionsThanItsLimitOverAllLanes() throws Exception {
        assertEquals(3, mostAtOnce("pool.max-connections"), "the whole limit is used, and no more");
    }

    @Test
    void anActiveCheckGoesOutOnTheFiltersSharedIoThreads() throws Exception {
        TestOrigin origin = origin(ok(), new AtomicInteger(), new AtomicInteger());
        try (IoThreads io = new IoThreads(1, "sluice-checks")) {
            try (UpstreamClient client = new UpstreamClient(settings("nodes", "127.0.0.1:" + origin.port()), timer, io)) {
                assertEquals(0, io.started(), "nothing started before the first exchange");
                assertEquals(200, client.probe(node(origin), "/health", Timeout.ofSeconds(10)).get(10, TimeUnit.SECONDS));
                assertEquals(2, io.started(), "the shared lane's reactor and its starter, and nothing of the upstream's own");
                assertEquals("sluice-health-check", origin.requests().get(0).header("User-Agent"));
            }
        }
    }

    @Test
    void anActiveCheckLeavesNoConnectionInThePool() throws Exception {
        TestOrigin origin = origin(ok(), new AtomicInteger(), new AtomicInteger());
        UpstreamClient client = client(origin, 1);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, client.probe(node(origin), "/health", Timeout.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        }
        // HttpClient may report the answer just before the connection is released.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.poolStats().getLeased() > 0) {
            assertTrue(System.nanoTime() < deadline, "the last check's connection was released");
            Thread.onSpinWait();
        }
        assertEquals(0, client.poolStats().getAvailable(), "no connection kept for the next check");
        assertEquals(3, origin.connectionsAccepted());
        assertEquals("close", origin.requests().get(0).header("Connection"));
    }

    @Test
    void oneLanePerIoThreadButNeverMoreThanTheConnectionsAllowed() {
        assertEquals(4, UpstreamClient.laneCount(4, 1024, 1024));
        assertEquals(2, UpstreamClient.laneCount(4, 1024, 2));
        assertEquals(1, UpstreamClient.laneCount(4, 1, 1024));
        assertEquals(1, UpstreamClient.laneCount(1, 1024, 1024));
    }

    /**
     * HttpClient's protocol step, which refused CONNECT, is replaced (it
     * allocated heavily for authentication Sluice never does); the replacement refuses it too, before any connection is opened. (Tomcat answers
     * CONNECT itself, so only a container that passes it on would get this far.)
     */
    @Test
    void connectIsRefusedWithoutConnecting() throws Exception {
        TestOrigin origin = origin(ok(), new AtomicInteger(), new AtomicInteger());
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> send(client(origin, 1), node(origin), "CONNECT").get(10, TimeUnit.SECONDS));
        assertTrue(UpstreamFailure.causedBy(refused, ProtocolException.class), "refused as a protocol error: " + refused);
        assertEquals(0, origin.connectionsAccepted());
    }

    @Test
    void bodiesAreReadInPiecesOfAtMostTheReadBuffer() throws Exception {
        TestOrigin origin = origin(Handlers.bytes(200_000), new AtomicInteger(), new AtomicInteger());
        int[] small = largestReadAndTotal(client(origin, 1, "pool.read-buffer", "4096"), node(origin));
        assertEquals(200_000, small[1], "the whole body");
        assertTrue(small[0] > 0 && small[0] <= 4096, "largest read " + small[0]);
        // The origin writes 64 KiB at a time, so the default 32 KiB buffer is read full.
        int[] large = largestReadAndTotal(client(origin, 1), node(origin));
        assertEquals(200_000, large[1], "the whole body");
        assertTrue(large[0] > 4096, "largest read " + large[0]);
    }

    @Test
    void theLanesSharesAddUpToTheLimit() {
        for (int lanes = 1; lanes <= 8; lanes++) {
            for (int total = 0; total <= 40; total++) {
                int sum = 0;
                for (int lane = 0; lane < lanes; lane++) {
                    int share = Lane.share(total, lane, lanes);
                    assertTrue(share == total / lanes || share == total / lanes + 1, "even split");
                    sum += share;
                }
                assertEquals(total, sum, total + " over " + lanes + " lanes");
            }
        }
    }

    // ---- helpers ----

    /** The most requests a slow origin had at once when seven were sent together with {@code limit} 3, over two lanes. */
    private int mostAtOnce(String limit) throws Exception {
        AtomicInteger peak = new AtomicInteger();
        TestOrigin origin = origin(Handlers.delayed(300, ok()), new AtomicInteger(), peak);
        sendTogether(client(origin, 2, limit, "3"), node(origin), 7);
        return peak.get();
    }

    private static TestOrigin.Handler ok() {
        return Handlers.fixed(200, "text/plain", "ok".getBytes(US_ASCII));
    }

    /** An origin that counts the requests it handles at once, and the most it ever handled at once. */
    private TestOrigin origin(TestOrigin.Handler handler, AtomicInteger active, AtomicInteger peak) throws IOException {
        TestOrigin origin = TestOrigin.start("lanes", exchange -> {
            peak.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                handler.handle(exchange);
            } finally {
                active.decrementAndGet();
            }
        });
        opened.add(origin);
        return origin;
    }

    private UpstreamClient client(TestOrigin origin, int ioThreads, String... keyValues) {
        List<String> all = new ArrayList<>(List.of("nodes", "127.0.0.1:" + origin.port(), "pool.io-threads", Integer.toString(ioThreads)));
        all.addAll(List.of(keyValues));
        UpstreamClient client = new UpstreamClient(settings(all.toArray(String[]::new)), timer);
        opened.add(client);
        return client;
    }

    /** The settings of an upstream {@code lanes} with these keys (without the prefix) and values. */
    private static UpstreamSettings settings(String... keyValues) {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.route.lanes.path", "/lanes");
        config.put("sluice.route.lanes.upstream", "lanes");
        config.put("sluice.upstream.lanes.nodes", "127.0.0.1:1");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put("sluice.upstream.lanes." + keyValues[i], keyValues[i + 1]);
        }
        return SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key))).upstreams().get("lanes");
    }

    private static Node node(TestOrigin origin) {
        return Node.of(0, new NodeSettings("127.0.0.1", origin.port(), 1), Scheme.HTTP);
    }

    /**
     * Sends {@code count} GETs together, waits for all to succeed, and returns the names of the
     * threads their answers completed on: the lanes' I/O threads.
     */
    private static List<String> sendTogether(UpstreamClient client, Node node, int count) throws Exception {
        List<CompletableFuture<String>> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            threads.add(send(client, node, "GET"));
        }
        List<String> names = new ArrayList<>();
        for (CompletableFuture<String> thread : threads) {
            names.add(thread.get(10, TimeUnit.SECONDS));
        }
        return names;
    }

    /** Sends one request; completes with the thread its 200 answer completed on, or fails. */
    private static CompletableFuture<String> send(UpstreamClient client, Node node, String method) {
        CompletableFuture<String> thread = new CompletableFuture<>();
        BasicHttpRequest request = new BasicHttpRequest(method, node.target(), "/x");
        client.execute(node, new BasicRequestProducer(request, null),
                new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()),
                Answers.okOnThread(thread), true);
        return thread;
    }

    /** GETs a body and returns the largest piece HttpClient handed over at once, and the bytes in all. */
    private static int[] largestReadAndTotal(UpstreamClient client, Node node) throws Exception {
        int[] largestAndTotal = new int[2];
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.execute(node, new BasicRequestProducer(new BasicHttpRequest("GET", node.target(), "/body"), null),
                new BasicResponseConsumer<>(new AbstractBinAsyncEntityConsumer<Void>() {
                    @Override
                    protected void streamStart(ContentType contentType) {
                    }

                    @Override
                    protected int capacityIncrement() {
                        return Integer.MAX_VALUE;
                    }

                    @Override
                    protected void data(ByteBuffer src, boolean endOfStream) {
                        largestAndTotal[0] = Math.max(largestAndTotal[0], src.remaining());
                        largestAndTotal[1] += src.remaining();
                        src.position(src.limit());
                    }

                    @Override
                    protected Void generateContent() {
                        return null;
                    }

                    @Override
                    public void releaseResources() {
                    }
                }),
                Answers.ok(done, () -> null), true);
        done.get(10, TimeUnit.SECONDS);
        return largestAndTotal;
    }

    /** The lane part of an I/O thread's name, {@code sluice-lanes-lane1-1} → {@code lane1}. */
    private static String lane(String thread) {
        int start = thread.indexOf("-lane", "sluice-".length()) + 1;
        return thread.substring(start, thread.indexOf('-', start));
    }
}
