package dev.sluice.reload;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.testing.Answers;
import dev.sluice.testing.Handlers;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.TestOrigin;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.Upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;

import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A filter's I/O threads belong to the filter, not to its upstreams: as many threads for one busy
 * upstream as for hundreds, and a reload that rebuilds one upstream leaves the others' pooled
 * connections where they are. Real requests to real nodes over loopback.
 */
class SharedIoThreadsTest {
    private static final int IO_THREADS = 2;

    private final AtomicReference<Snapshot> published = new AtomicReference<>();
    private final Reloader reloader = new Reloader("/shared", getClass().getClassLoader(), published::set);
    private final List<TestOrigin> origins = new ArrayList<>();

    @AfterEach
    void close() {
        reloader.close();
        origins.forEach(TestOrigin::close);
    }

    @Test
    void twoHundredFiftyBusyUpstreamsRunAsManyIoThreadsAsOne() throws Exception {
        TestOrigin node = origin("slow", 300);
        reloader.start(gateway(1, node));
        // Several exchanges at once, so the one upstream uses every lane it has.
        sendTogether(List.of("u0", "u0", "u0", "u0"));
        long forOne = ioThreads();
        assertEquals(2 * IO_THREADS, forOne, "each shared lane is a reactor thread and HttpClient's idle starter");

        reloader.apply(gateway(250, node), true);
        List<String> each = new ArrayList<>();
        for (int u = 0; u < 250; u++) {
            each.add("u" + u);
        }
        sendTogether(each);
        assertEquals(forOne, ioThreads(), "250 upstreams, each with an exchange in flight at once");
    }

    @Test
    void aReloadRebuildingOneUpstreamKeepsTheOthersPooledConnections() throws Exception {
        TestOrigin changed = origin("changed", 0);
        TestOrigin kept = origin("kept", 0);
        reloader.start(two(changed, kept, "30000"));
        Upstream keptBefore = published.get().upstream("kept");
        sendTogether(List.of("kept"));
        sendTogether(List.of("changed"));

        reloader.apply(two(changed, kept, "20000"), true);
        assertSame(keptBefore, published.get().upstream("kept"));
        sendTogether(List.of("kept"));
        sendTogether(List.of("changed"));
        assertEquals(1, kept.connectionsAccepted(), "the kept upstream's request went on its pooled connection");
        assertEquals(2, changed.connectionsAccepted(), "the rebuilt upstream opened a connection of its own pool");
    }

    @Test
    void aReloadChangingTheIoThreadsKeepsTheRunningOnesAndSaysSo() throws Exception {
        TestOrigin node = origin("node", 0);
        reloader.start(gateway(1, node));
        Map<String, String> more = new HashMap<>();
        more.put("sluice.io-threads", "3");
        more.put("sluice.upstream.u0.nodes", "127.0.0.1:" + node.port());
        more.put("sluice.route.r0.path", "/u0");
        more.put("sluice.route.r0.upstream", "u0");
        try (LogCapture log = LogCapture.expecting(Level.WARNING, "takes effect at the next start")) {
            reloader.apply(parse(more), true);
            assertTrue(log.messages().stream().anyMatch(m -> m.contains("sluice.io-threads=3 takes effect at the next start")),
                    log.messages().toString());
        }
        sendTogether(List.of("u0", "u0", "u0", "u0"));
        assertEquals(2 * IO_THREADS, ioThreads(), "still the threads the filter started with");
    }

    /** An origin answering 200 after {@code delayMillis}. */
    private TestOrigin origin(String name, long delayMillis) throws Exception {
        TestOrigin.Handler ok = Handlers.fixed(200, "text/plain", "ok".getBytes(US_ASCII));
        TestOrigin origin = TestOrigin.start(name, delayMillis > 0 ? Handlers.delayed(delayMillis, ok) : ok);
        origins.add(origin);
        return origin;
    }

    /** {@code upstreams} upstreams {@code u<n>}, each with one route and the one node, on {@value #IO_THREADS} I/O threads. */
    private static SluiceSettings gateway(int upstreams, TestOrigin node) {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.io-threads", Integer.toString(IO_THREADS));
        for (int u = 0; u < upstreams; u++) {
            config.put("sluice.upstream.u" + u + ".nodes", "127.0.0.1:" + node.port());
            // Small buffers: 250 connections at the default 3 x 32 KiB ran the tests' 96 MiB heap out.
            config.put("sluice.upstream.u" + u + ".pool.read-buffer", "4096");
            config.put("sluice.route.r" + u + ".path", "/u" + u);
            config.put("sluice.route.r" + u + ".upstream", "u" + u);
        }
        return parse(config);
    }

    /** Upstreams {@code changed} (with this {@code timeout}) and {@code kept}, one node each. */
    private static SluiceSettings two(TestOrigin changed, TestOrigin kept, String timeout) {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.io-threads", Integer.toString(IO_THREADS));
        config.put("sluice.upstream.changed.nodes", "127.0.0.1:" + changed.port());
        config.put("sluice.upstream.changed.timeout", timeout);
        config.put("sluice.upstream.kept.nodes", "127.0.0.1:" + kept.port());
        for (String name : List.of("changed", "kept")) {
            config.put("sluice.route." + name + ".path", "/" + name);
            config.put("sluice.route." + name + ".upstream", name);
        }
        return parse(config);
    }

    private static SluiceSettings parse(Map<String, String> config) {
        return SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
    }

    /** Sluice's threads other than the filter's timer: its I/O threads. */
    private static long ioThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sluice-") && !t.getName().startsWith("sluice-timer")).count();
    }

    /** Sends a GET through each named upstream (a name twice, two GETs), all at once, and waits for every 200. */
    private void sendTogether(List<String> upstreams) throws Exception {
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String name : upstreams) {
            Upstream upstream = published.get().upstream(name);
            Node node = upstream.pick("127.0.0.1", null);
            CompletableFuture<String> status = new CompletableFuture<>();
            upstream.client().execute(node, new BasicRequestProducer(new BasicHttpRequest("GET", node.target(), "/x"), null),
                    new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()), Answers.ok(status, () -> "200"), true);
            answers.add(status);
        }
        for (CompletableFuture<String> answer : answers) {
            assertEquals("200", answer.get(30, TimeUnit.SECONDS));
        }
    }
}
