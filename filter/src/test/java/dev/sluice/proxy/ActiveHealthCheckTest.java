package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Active checks take a hung node out with no user traffic at all, and bring a recovered one back. */
class ActiveHealthCheckTest extends SluiceInTomcat {
    private static final String CONTEXT = "/active";
    private static final AtomicInteger CHECK_STATUS = new AtomicInteger(500);

    private static TestOrigin a;
    private static TestOrigin hung;
    private static TestOrigin recovering;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        a = origin("a", Handlers.echo());
        hung = origin("hung", Handlers.hang());
        recovering = origin("recovering", exchange -> {
            if (exchange.request().target().equals("/health")) {
                exchange.response().status(CHECK_STATUS.get(), "Check").send("check".getBytes(US_ASCII));
            } else {
                Handlers.echo().handle(exchange);
            }
        });
        String checks = """
                sluice.upstream.%1$s.health.check.path=/health
                sluice.upstream.%1$s.health.check.interval=100
                sluice.upstream.%1$s.health.check.timeout=150
                sluice.upstream.%1$s.health.check.unhealthy-threshold=2
                sluice.upstream.%1$s.health.check.healthy-threshold=2
                """;
        return SluiceDeployment.war("active", """
                sluice.route.hung.path=/hung
                sluice.route.hung.upstream=hung
                sluice.upstream.hung.nodes=127.0.0.1:%d, 127.0.0.1:%d
                sluice.upstream.hung.timeout=300
                sluice.route.recovering.path=/recovering
                sluice.route.recovering.upstream=recovering
                sluice.upstream.recovering.nodes=127.0.0.1:%d, 127.0.0.1:%d
                """.formatted(hung.port(), a.port(), recovering.port(), a.port())
                + checks.formatted("hung") + checks.formatted("recovering"));
    }

    private static String state(String upstream, TestOrigin origin) throws Exception {
        ObjectName name = new ObjectName("dev.sluice:type=Upstream,context=" + ObjectName.quote(CONTEXT)
                + ",name=" + ObjectName.quote(upstream));
        String[] nodes = (String[]) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Nodes");
        return Arrays.stream(nodes).filter(s -> s.startsWith("127.0.0.1:" + origin.port() + " ")).findFirst().orElseThrow();
    }

    private static String awaitState(String upstream, TestOrigin origin, String expected) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        String state = state(upstream, origin);
        while (!state.contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            state = state(upstream, origin);
        }
        return state;
    }

    @Test
    void hungNodeIsTakenOutWithoutUserTraffic() throws Exception {
        assertTrue(awaitState("hung", hung, "down (active check)").contains("down (active check)"));
        assertTrue(state("hung", a).endsWith(" up"), state("hung", a));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/hung/x").status());
        }
        assertEquals(0L, PoolProbe.attribute(CONTEXT, "hung", "Retries"), "user requests never met the hung node");
    }

    @Test
    void checksNeverPileUpOnAHungNode() throws Exception {
        awaitState("hung", hung, "down (active check)");
        long start = System.nanoTime();
        int before = hung.requests().size();
        Thread.sleep(1_000);
        long checks = hung.requests().size() - before;
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        // One check at a time, each bounded by its 150 ms timeout, started every 100 ms at most.
        assertTrue(checks >= 2 && checks <= elapsedMs / 150 + 2, checks + " checks in " + elapsedMs + " ms");
    }

    @Test
    void nodeComesBackWhenItsChecksPass() throws Exception {
        assertTrue(awaitState("recovering", recovering, "down (active check)").contains("down"));
        CHECK_STATUS.set(200);
        assertTrue(awaitState("recovering", recovering, " up").endsWith(" up"), state("recovering", recovering));
    }
}
