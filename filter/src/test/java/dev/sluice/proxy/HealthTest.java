package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Passive health with real upstreams that die, fail and come back: nodes leave rotation after
 * the configured failures, come back by themselves, stay out longer each time, honour Retry-After;
 * all-down (with {@code health.max-ejected-percent=100}) answers 503 with Retry-After, or with
 * fail-open still reaches the nodes.
 */
class HealthTest extends SluiceInTomcat {
    private static final String CONTEXT = "/health";

    private static TestOrigin a;
    private static TestOrigin flaky;
    private static TestOrigin busy;
    /** Answers every call 429 with Retry-After, as an upstream refusing one client's calls over its quota does. */
    private static TestOrigin quota;
    private static TestOrigin sick1;
    private static TestOrigin sick2;
    /** Nodes of their own: health is kept per host:port, so upstreams sharing nodes share their ejections. */
    private static TestOrigin openSick1;
    private static TestOrigin openSick2;
    /** 0: answers 200; otherwise this status. */
    private static final AtomicInteger FLAKY_STATUS = new AtomicInteger();

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        a = origin("a", Handlers.echo());
        flaky = origin("flaky", exchange -> {
            int status = FLAKY_STATUS.get();
            if (status == 0) {
                Handlers.echo().handle(exchange);
            } else {
                exchange.response().status(status, "Sick").send("sick".getBytes(US_ASCII));
            }
        });
        busy = origin("busy", exchange ->
                exchange.response().status(503, "Busy").header("Retry-After", "2").send("busy".getBytes(US_ASCII)));
        quota = origin("quota", exchange ->
                exchange.response().status(429, "Too Many Requests").header("Retry-After", "30").send("quota".getBytes(US_ASCII)));
        sick1 = origin("sick1", Handlers.fixed(502, "text/plain", "sick1".getBytes(US_ASCII)));
        sick2 = origin("sick2", Handlers.fixed(502, "text/plain", "sick2".getBytes(US_ASCII)));
        openSick1 = origin("open-sick1", Handlers.fixed(502, "text/plain", "sick1".getBytes(US_ASCII)));
        openSick2 = origin("open-sick2", Handlers.fixed(502, "text/plain", "sick2".getBytes(US_ASCII)));
        int dead;
        try (ServerSocket reserved = new ServerSocket(0)) {
            dead = reserved.getLocalPort();
        }
        String config = route("killed", "127.0.0.1:" + dead + ", " + node(a), "health.max-fails=2")
                + route("recover", node(flaky) + ", " + node(a),
                        "health.max-fails=1", "health.ejection=2000", "health.failure-statuses=502")
                + route("retry-after", node(busy) + ", " + node(a))
                + route("quota", node(quota) + ", " + node(a))
                // Passive health takes every node out only when allowed to take 100 % of them.
                + route("all-down", node(sick1) + ", " + node(sick2), "health.max-fails=1", "health.ejection=5000",
                        "health.failure-statuses=502", "health.max-ejected-percent=100")
                + route("fail-open", node(openSick1) + ", " + node(openSick2), "health.max-fails=1", "health.ejection=5000",
                        "health.failure-statuses=502", "health.max-ejected-percent=100", "health.fail-open=true");
        return SluiceDeployment.war("health", config);
    }

    private static String node(TestOrigin origin) {
        return "127.0.0.1:" + origin.port();
    }

    private static String[] nodes(String upstream) {
        return PoolProbe.nodes(CONTEXT, upstream);
    }

    /** Milliseconds left of a node's ejection from the status view, or -1 when it is up. */
    private static long ejectedMillis(String upstream, TestOrigin origin) throws Exception {
        String state = Arrays.stream(nodes(upstream)).filter(s -> s.startsWith(node(origin) + " ")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("ejected (\\d+) ms more").matcher(state);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void trafficMovesOffAKilledNodeAfterTheConfiguredFailures() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals(200, get("/killed/x").status(), "every request is served, retried on the live node if need be");
        }
        assertEquals(2L, PoolProbe.attribute(CONTEXT, "killed", "Retries"),
                "two failures (max-fails=2) and the dead node was out: no more retries");
        assertEquals(10L, PoolProbe.attribute(CONTEXT, "killed", "Requests"));
        assertTrue(Arrays.stream(nodes("killed")).anyMatch(s -> s.contains("ejected")), Arrays.toString(nodes("killed")));
    }

    @Test
    void aFailingNodeLeavesComesBackAndStaysOutLongerNextTime() throws Exception {
        FLAKY_STATUS.set(502);
        assertEquals(502, get("/recover/x").status(), "the first request meets the failing node");
        long firstEjection = ejectedMillis("recover", flaky);
        assertTrue(firstEjection > 1_000 && firstEjection <= 2_000, "first ejection " + firstEjection + " ms");
        int seenByFlaky = flaky.requests().size();
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/recover/x").status());
        }
        assertEquals(seenByFlaky, flaky.requests().size(), "no traffic while out of rotation");

        FLAKY_STATUS.set(0);
        Thread.sleep(ejectedMillis("recover", flaky) + 100);
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/recover/x").status());
        }
        assertTrue(flaky.requests().size() > seenByFlaky, "back in rotation after the ejection ended");
        assertEquals(-1, ejectedMillis("recover", flaky));

        FLAKY_STATUS.set(502);
        for (int i = 0; i < 2 && ejectedMillis("recover", flaky) < 0; i++) {
            get("/recover/x");
        }
        long secondEjection = ejectedMillis("recover", flaky);
        assertTrue(secondEjection > 2_000 && secondEjection <= 4_000, "second ejection lasts twice as long: " + secondEjection + " ms");
        FLAKY_STATUS.set(0);
    }

    @Test
    void retryAfterFromANodeIsHonoured() throws Exception {
        RawResponse answer = get("/retry-after/x");
        assertEquals(503, answer.status());
        assertEquals("2", answer.header("Retry-After"), "the node's own answer reaches the client");
        long out = ejectedMillis("retry-after", busy);
        assertTrue(out > 1_000 && out <= 2_000, "out for the 2 s it asked for: " + out + " ms");
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/retry-after/x").status());
        }
        assertEquals(1, busy.requests().size());
    }

    /** A 429 is about the client's calls, not the node: one client over its quota must not take the node from all. */
    @Test
    void a429WithRetryAfterReachesTheClientAndLeavesTheNodeInRotation() throws Exception {
        int refused = 0;
        for (int i = 0; i < 4; i++) {
            RawResponse answer = get("/quota/x");
            if (answer.status() == 429) {
                assertEquals("30", answer.header("Retry-After"), "the node's own answer reaches the client");
                refused++;
            } else {
                assertEquals(200, answer.status());
            }
        }
        assertEquals(2, refused, "round robin kept sending to the node");
        assertEquals(2, quota.requests().size());
        assertEquals(-1, ejectedMillis("quota", quota));
    }

    @Test
    void allNodesDownAnswers503WithRetryAfter() throws Exception {
        assertEquals(502, get("/all-down/x").status());
        assertEquals(502, get("/all-down/x").status());
        RawResponse answer = get("/all-down/x");
        assertEquals(503, answer.status());
        long retryAfter = Long.parseLong(answer.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 5, "Retry-After " + retryAfter);
        assertTrue(new String(answer.body(), US_ASCII).contains("Service Unavailable"));
    }

    @Test
    void failOpenStillSendsToNodesWhenAllAreDown() throws Exception {
        int before = openSick1.requests().size() + openSick2.requests().size();
        for (int i = 0; i < 4; i++) {
            assertEquals(502, get("/fail-open/x").status(), "the nodes' own answer, not a 503 from Sluice");
        }
        assertEquals(before + 4, openSick1.requests().size() + openSick2.requests().size());
    }
}
