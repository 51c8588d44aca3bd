package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;

import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Configuration reloaded while traffic flows, through the filter's JMX operation: the upstreams
 * come from system properties (each test has its own upstream), which a reload reads again.
 */
class ReloadTest extends SluiceInTomcat {
    private static final String CONTEXT = "/reload";
    /** Every system property set, cleared at the end: any deployment would read them. */
    private static final Set<String> KEYS = ConcurrentHashMap.newKeySet();

    /** The origins by name, started with the deployment; most of them echo. */
    private static final Map<String, TestOrigin> ORIGINS = new ConcurrentHashMap<>();

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        for (String name : List.of("move-from", "move-to", "steady", "other", "doomed", "survivor", "retiring", "kept")) {
            ORIGINS.put(name, origin(name, Handlers.echo()));
        }
        ORIGINS.put("slow", origin("slow", Handlers.delayed(1_000, Handlers.echo())));
        ORIGINS.put("streaming", origin("streaming", ReloadTest::streamForFourSeconds));
        define("reload-move", node("move-from"));
        define("reload-slow", node("slow"));
        define("reload-refused", node("steady"));
        define("reload-eject", node("doomed") + ", " + node("survivor"), "health.max-fails=1", "health.ejection=20000");
        define("reload-retire", node("retiring"));
        define("reload-kept", node("kept"));
        define("reload-timed", node("steady"));
        define("reload-grace", node("streaming"), "timeout=1000", "connect-timeout=100", "retries=0");
        return SluiceDeployment.war("reload", "");
    }

    @AfterAll
    static void clearProperties() {
        KEYS.forEach(System::clearProperty);
    }

    /** Sets, as system properties, a route {@code /name} to an upstream {@code name} of these nodes and settings. */
    private static void define(String name, String nodes, String... settings) {
        SluiceDeployment.route(name, nodes, settings).lines().forEach(line -> {
            int equals = line.indexOf('=');
            set(line.substring(0, equals), line.substring(equals + 1));
        });
    }

    /** Clears the keys of a route and upstream set by {@link #define}. */
    private static void undefine(String name) {
        KEYS.stream().filter(key -> key.startsWith("sluice.route." + name + ".") || key.startsWith("sluice.upstream." + name + "."))
                .forEach(System::clearProperty);
    }

    private static void set(String key, String value) {
        KEYS.add(key);
        System.setProperty(key, value);
    }

    private static TestOrigin origin(String name) {
        return ORIGINS.get(name);
    }

    /** The {@code host:port} of the origin of this name. */
    private static String node(String origin) {
        return "127.0.0.1:" + origin(origin).port();
    }

    private static String reload() throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(new ObjectName("dev.sluice:type=Filter,context=" + ObjectName.quote(CONTEXT)), "reload", null, null);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 3 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Sends a chunk every 100 ms for ten seconds: a response that flows far longer than any timeout. */
    /** A tick every 100 ms: the stream outlives every timeout of the upstream it goes through. */
    private static final int TICKS = 40;

    private static void streamForFourSeconds(TestOrigin.Exchange exchange) throws Exception {
        exchange.response().header("Content-Type", "text/plain").startChunked();
        for (int i = 0; i < TICKS; i++) {
            exchange.response().chunk("tick\n".getBytes(US_ASCII));
            Thread.sleep(100);
        }
        exchange.response().endChunked();
    }

    @Test
    void trafficMovesToTheNewNodesAfterAReload() throws Exception {
        assertTrue(get("/reload-move/x").bodyText().contains("origin=move-from"));
        set("sluice.upstream.reload-move.nodes", node("move-to"));
        assertTrue(reload().contains("(1 changed)"));
        int before = origin("move-from").requests().size();
        for (int i = 0; i < 3; i++) {
            assertTrue(get("/reload-move/x").bodyText().contains("origin=move-to"));
        }
        assertEquals(before, origin("move-from").requests().size(), "nothing more for the node no longer listed");
    }

    @Test
    void aSlowRequestStartedBeforeAReloadCompletesAfterIt() throws Exception {
        CompletableFuture<RawResponse> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/reload-slow/x");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await(() -> origin("slow").requests().size() == 1, "the slow node has the request");
        set("sluice.upstream.reload-slow.nodes", node("other"));
        assertTrue(reload().contains("(1 changed)"));
        RawResponse response = answer.get(5, TimeUnit.SECONDS);
        assertEquals(200, response.status());
        assertTrue(response.bodyComplete(), "the whole body, not one cut when the replaced upstream retired");
        assertTrue(response.bodyText().contains("origin=slow"), response.bodyText());
    }

    @Test
    void aRefusedReloadNamesTheKeyAndChangesNothing() throws Exception {
        String timeoutKey = "sluice.upstream.reload-refused.timeout";
        set("sluice.upstream.reload-refused.nodes", node("other"));
        set(timeoutKey, "soon");
        try (LogCapture log = LogCapture.start()) {
            RuntimeMBeanException refused = assertThrows(RuntimeMBeanException.class, ReloadTest::reload);
            assertTrue(refused.getTargetException().getMessage().contains(timeoutKey + " = 'soon'"),
                    refused.getTargetException().getMessage());
            assertTrue(log.logged(Level.SEVERE, timeoutKey), log.messages().toString());
            assertTrue(get("/reload-refused/x").bodyText().contains("origin=steady"), "the nodes before the refused reload");
        } finally {
            System.clearProperty(timeoutKey);
            set("sluice.upstream.reload-refused.nodes", node("steady"));
        }
    }

    @Test
    void anEjectedNodeStaysEjectedWithItsCountAfterAReloadChangingItsUpstream() throws Exception {
        origin("doomed").close();
        for (int i = 0; i < 2; i++) {
            assertEquals(200, get("/reload-eject/x").status(), "retried on the survivor");
        }
        String before = doomedState();
        assertTrue(before.contains("ejected") && before.endsWith("(ejection #1)"), before);

        set("sluice.upstream.reload-eject.request-headers.set.X-Reloaded", "yes");
        assertTrue(reload().contains("(1 changed)"));
        String after = doomedState();
        assertTrue(after.contains("ejected") && after.endsWith("(ejection #1)"), after);
        for (int i = 0; i < 4; i++) {
            assertTrue(get("/reload-eject/x").bodyText().contains("X-Reloaded: yes"), "served by the new upstream");
        }
        assertEquals(0L, PoolProbe.attribute(CONTEXT, "reload-eject", "Retries"), "the ejected node was never tried");
    }

    private static String doomedState() {
        return Arrays.stream(PoolProbe.nodes(CONTEXT, "reload-eject")).filter(n -> n.startsWith(node("doomed") + " "))
                .findFirst().orElseThrow();
    }

    @Test
    void aReplacedUpstreamClosesItsConnectionsOnceIdle() throws Exception {
        assertEquals(200, get("/reload-retire/x").status());
        assertEquals(1, origin("retiring").openConnections(), "the pool keeps its connection alive");
        set("sluice.upstream.reload-retire.nodes", node("other"));
        assertTrue(reload().contains("(1 changed)"));
        await(() -> origin("retiring").openConnections() == 0, "the replaced upstream's pool closed its connection");
    }

    @Test
    void anUnchangedUpstreamKeepsItsPoolAndFiguresAcrossAReload() throws Exception {
        assertEquals(200, get("/reload-kept/x").status());
        long requests = PoolProbe.attribute(CONTEXT, "reload-kept", "Requests").longValue();
        define("reload-added", node("other"));
        try {
            assertTrue(reload().contains("(1 added)"));
            assertEquals(200, get("/reload-kept/x").status());
            assertEquals(requests + 1, PoolProbe.attribute(CONTEXT, "reload-kept", "Requests").longValue());
            assertEquals(1, origin("kept").connectionsAccepted(), "the same pooled connection");
        } finally {
            undefine("reload-added");
            reload();
        }
    }

    @Test
    void aRemovedUpstreamLosesItsRouteAndItsStatusView() throws Exception {
        define("reload-removed", node("other"));
        reload();
        assertEquals(200, get("/reload-removed/x").status());
        undefine("reload-removed");
        assertTrue(reload().contains("(1 removed)"));
        assertEquals(404, get("/reload-removed/x").status(), "down the filter chain to the application, which has no such page");
        assertFalse(PoolProbe.registered(CONTEXT, "reload-removed"));
    }

    @Test
    void theReloadIntervalPicksUpAChangeWithoutBeingAsked() throws Exception {
        set("sluice.reload-interval", "100");
        try {
            reload();
            set("sluice.upstream.reload-timed.nodes", node("other"));
            await(() -> {
                try {
                    return get("/reload-timed/x").bodyText().contains("origin=other");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "traffic on the new node");
        } finally {
            System.clearProperty("sluice.reload-interval");
            reload();
        }
    }

    @Test
    void aResponseStillFlowingAfterAReloadRunsToItsEnd() throws Exception {
        try (RawClient client = RawClient.connect(port(), Duration.ofSeconds(15))) {
            client.send("GET " + CONTEXT + "/reload-grace/x HTTP/1.1\r\nHost: localhost\r\n\r\n", null);
            await(() -> origin("streaming").requests().size() == 1, "the response is flowing");
            set("sluice.upstream.reload-grace.nodes", node("other"));
            assertTrue(reload().contains("(1 changed)"));
            RawResponse response = client.readResponse();
            assertEquals(200, response.status());
            assertTrue(response.bodyComplete(), "never cut");
            assertEquals("tick\n".repeat(TICKS), response.bodyText());
        }
    }
}
