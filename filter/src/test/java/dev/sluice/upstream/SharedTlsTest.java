package dev.sluice.upstream;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.NodeSettings;
import dev.sluice.config.Scheme;
import dev.sluice.config.SettingsParser;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.testing.Answers;
import dev.sluice.testing.Handlers;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestOrigin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import javax.net.ssl.SSLException;

import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstreams with different TLS settings on one shared I/O thread: each verifies its nodes with its
 * own trust, whatever another upstream on the same thread accepts. Real TLS nodes: one with a
 * certificate signed by a test CA, one self-signed.
 */
class SharedTlsTest {
    private static TestOrigin caSigned;
    private static TestOrigin selfSigned;
    private static String ca;

    /** One thread, so every upstream's connections share it. */
    private final IoThreads io = new IoThreads(1, "sluice-tls");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<UpstreamClient> clients = new ArrayList<>();

    @BeforeAll
    static void startNodes() throws Exception {
        TestCertificates pki = TestCertificates.create(Path.of("target", "tls"));
        caSigned = TestOrigin.startTls("ca-signed", Handlers.fixed(200, "text/plain", "ok".getBytes(US_ASCII)), pki.server(), false);
        selfSigned = TestOrigin.startTls("self-signed", Handlers.fixed(200, "text/plain", "ok".getBytes(US_ASCII)), pki.selfSigned(), false);
        ca = pki.caPem().toAbsolutePath().toString();
    }

    @AfterAll
    static void stopNodes() {
        caSigned.close();
        selfSigned.close();
    }

    @AfterEach
    void close() {
        clients.forEach(UpstreamClient::close);
        io.close();
        timer.shutdownNow();
    }

    @Test
    void eachUpstreamReachesTheNodeItsOwnTrustAcceptsOnTheSameThread() throws Exception {
        UpstreamClient trustingTheCa = client("with-ca", "tls.trust-store", ca);
        UpstreamClient insecure = insecure();
        String first = send(trustingTheCa, caSigned).get(10, TimeUnit.SECONDS);
        String second = send(insecure, selfSigned).get(10, TimeUnit.SECONDS);
        assertTrue(first.startsWith("sluice-tls-lane0-"), first);
        assertEquals(first, second, "both upstreams' connections live on the one shared thread");
    }

    @Test
    void anUpstreamTrustingItsCaRefusesASelfSignedNodeThatAnInsecureOneOnTheSameThreadAccepts() throws Exception {
        UpstreamClient insecure = insecure();
        UpstreamClient trustingTheCa = client("with-ca", "tls.trust-store", ca);
        send(insecure, selfSigned).get(10, TimeUnit.SECONDS);
        ExecutionException refused = assertThrows(ExecutionException.class, () -> send(trustingTheCa, selfSigned).get(10, TimeUnit.SECONDS));
        assertInstanceOf(SSLException.class, refused.getCause());
    }

    @Test
    void anUpstreamWithTheJvmsTrustRefusesTheNodeAnotherUpstreamOnTheSameThreadTrustsThroughItsStore() throws Exception {
        UpstreamClient trustingTheCa = client("with-ca", "tls.trust-store", ca);
        UpstreamClient jvmTrust = client("jvm-trust");
        send(trustingTheCa, caSigned).get(10, TimeUnit.SECONDS);
        ExecutionException refused = assertThrows(ExecutionException.class, () -> send(jvmTrust, caSigned).get(10, TimeUnit.SECONDS));
        assertInstanceOf(SSLException.class, refused.getCause());
    }

    /** An upstream with {@code tls.insecure=true}, whose warning at start is expected here. */
    private UpstreamClient insecure() {
        try (LogCapture log = LogCapture.expecting(Level.WARNING, "tls.insecure=true")) {
            return client("insecure", "tls.insecure", "true");
        }
    }

    /** An HTTPS upstream on the test's shared thread with these TLS keys (without the prefix) and values. */
    private UpstreamClient client(String name, String... keyValues) {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.route." + name + ".path", "/" + name);
        config.put("sluice.route." + name + ".upstream", name);
        config.put("sluice.upstream." + name + ".nodes", "127.0.0.1:1");
        config.put("sluice.upstream." + name + ".scheme", "https");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put("sluice.upstream." + name + "." + keyValues[i], keyValues[i + 1]);
        }
        UpstreamSettings settings = SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key))).upstreams().get(name);
        UpstreamClient client = new UpstreamClient(settings, timer, io);
        clients.add(client);
        return client;
    }

    /** Sends a GET to the node; completes with the thread its 200 answer completed on, or fails with the cause. */
    private static CompletableFuture<String> send(UpstreamClient client, TestOrigin origin) {
        Node node = Node.of(0, new NodeSettings("127.0.0.1", origin.port(), 1), Scheme.HTTPS);
        CompletableFuture<String> thread = new CompletableFuture<>();
        client.execute(node, new BasicRequestProducer(new BasicHttpRequest("GET", node.target(), "/x"), null),
                new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()), Answers.okOnThread(thread), true);
        return thread;
    }
}
