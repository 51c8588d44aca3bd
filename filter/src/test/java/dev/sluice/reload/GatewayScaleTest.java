package dev.sluice.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.upstream.Upstream;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway's configuration in one filter: a thousand upstreams of five nodes and ten thousand
 * routes. Start and reload times are logged (the targets, 2 s and 100 ms, are read in the
 * performance log, not asserted: this machine is shared); what is asserted is what makes them
 * possible: an idle upstream starts no thread, and a reload rebuilds the one upstream it changes.
 */
class GatewayScaleTest {
    private static final int UPSTREAMS = 1_000;
    private static final int ROUTES = 10_000;

    private final AtomicReference<Snapshot> published = new AtomicReference<>();
    private final Reloader reloader = new Reloader("/scale", getClass().getClassLoader(), published::set);

    @AfterEach
    void close() {
        reloader.close();
    }

    private static SluiceSettings gateway(String firstUpstreamNodes) {
        Map<String, String> config = new HashMap<>();
        for (int u = 0; u < UPSTREAMS; u++) {
            StringBuilder nodes = new StringBuilder();
            for (int n = 0; n < 5; n++) {
                nodes.append(n == 0 ? "" : ", ").append("10.").append(u / 250).append('.').append(u % 250).append('.').append(n + 1).append(":8080");
            }
            config.put("sluice.upstream.u" + u + ".nodes", u == 0 ? firstUpstreamNodes : nodes.toString());
        }
        for (int r = 0; r < ROUTES; r++) {
            config.put("sluice.route.r" + r + ".path", r % 2 == 0 ? "/svc" + r : "/team-" + r % 97 + "/svc" + r);
            config.put("sluice.route.r" + r + ".upstream", "u" + r % UPSTREAMS);
        }
        return SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
    }

    /** Sluice's I/O threads: the filter's shared ones, {@code sluice-io-lane<i>-<n>}, or an upstream's own. */
    private static long laneThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("sluice-(io|u[0-9]+)-lane.*")).count();
    }

    @Test
    void aThousandIdleUpstreamsStartNoThreadOfTheirOwn() {
        SluiceSettings settings = gateway("10.9.9.1:8080, 10.9.9.2:8080, 10.9.9.3:8080, 10.9.9.4:8080, 10.9.9.5:8080");
        long start = System.nanoTime();
        reloader.start(settings);
        long started = System.nanoTime() - start;
        System.getLogger(getClass().getName()).log(System.Logger.Level.INFO, "{0} upstreams and {1} routes started in {2} ms",
                UPSTREAMS, ROUTES, started / 1_000_000);
        assertEquals(UPSTREAMS, published.get().upstreams().size());
        assertEquals(0, laneThreads(), "no upstream started an I/O thread before its first request");
    }

    @Test
    void aReloadChangingOneUpstreamKeepsEveryOtherOne() {
        reloader.start(gateway("10.9.9.1:8080, 10.9.9.2:8080, 10.9.9.3:8080, 10.9.9.4:8080, 10.9.9.5:8080"));
        Snapshot before = published.get();
        SluiceSettings changed = gateway("10.9.9.1:8080, 10.9.9.2:8080, 10.9.9.3:8080, 10.9.9.4:8080, 10.9.9.6:8080");
        long start = System.nanoTime();
        reloader.apply(changed, true);
        long reloaded = System.nanoTime() - start;
        System.getLogger(getClass().getName()).log(System.Logger.Level.INFO, "a reload changing one upstream of {0} took {1} ms",
                UPSTREAMS, reloaded / 1_000_000);
        Snapshot after = published.get();
        for (int i = 0; i < UPSTREAMS; i++) {
            Upstream old = before.upstreams().get(i);
            Upstream now = after.upstreams().get(i);
            if (old.name().equals("u0")) {
                assertNotSame(old, now, "the changed upstream is built anew");
            } else {
                assertSame(old, now, "upstream " + old.name() + " is kept with its pool, balancer and counters");
            }
        }
    }
}
