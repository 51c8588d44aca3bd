package dev.sluice.proxy;

import dev.sluice.proxy.SoakClient.Kind;
import dev.sluice.proxy.SoakClient.Outcome;
import dev.sluice.testing.TestOrigin;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.core.StandardContext;

/**
 * The soak: Sluice in a real (embedded) Tomcat with the shipped connector settings, on loopback,
 * under a steady mix of requests for a bounded time while its upstreams misbehave on a schedule.
 * Upstream {@code steady}: good node A, faulty node B (which breaks on the fault paths: resets
 * before and mid-body, short and cut bodies, garbage, stalls after the head, a first byte past the
 * timeout) and a node that refuses every connection, with
 * retries and rate limits (per client, behind a trusted proxy, and upstream-wide). Upstream
 * {@code flaky}: node C goes down and comes back, node D's active checks flap. It reports the
 * figures after a warm-up and at the end (both once the load stopped and the pools went idle) and
 * every so often between, and judges the run: no wrong answer, nothing grown.
 *
 * <pre>java ... dev.sluice.proxy.Soak [seconds, default 600] [clients, default 32]</pre>
 */
public final class Soak {
    static final String CONTEXT = "/soak";
    static final List<String> UPSTREAMS = List.of("steady", "flaky");
    static final int TRACKED_CLIENTS_BOUND = 1000;
    /** The upstreams' pool idle timeout: the figures are taken once idle connections had time to close. */
    private static final long IDLE_MILLIS = 2_000;

    private final PrintStream report;

    Soak(PrintStream report) {
        this.report = report;
    }

    public static void main(String[] args) throws Exception {
        Duration length = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 600);
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        SoakRun run = new Soak(System.out).run(length, clients);
        System.exit(run.passed() ? 0 : 1);
    }

    /** Runs the soak for this long (warm-up included) with this many clients at once. */
    SoakRun run(Duration length, int clients) throws Exception {
        Path dir = Files.createTempDirectory("sluice-soak");
        AtomicBoolean dHealthy = new AtomicBoolean(true);
        TestOrigin a = TestOrigin.start("soak-a", SoakNodes.good());
        TestOrigin b = TestOrigin.start("soak-b", SoakNodes.faulty());
        TestOrigin d = TestOrigin.start("soak-d", SoakNodes.flapping(dHealthy));
        int refusing = SoakNodes.refusingPort();
        int cPort = SoakNodes.refusingPort();
        NodeCycle c = new NodeCycle(cPort);
        ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
        try (WarHost host = WarHost.start(dir, ShippedConnector.create())) {
            StandardContext app = host.deploy(host.export(SluiceDeployment.war("soak",
                    configuration(a.port(), b.port(), refusing, cPort, d.port()))), CONTEXT);
            // The flaky upstream's misbehaviour on a clock: D's checks flap every 3 s, C is down 4 s in 12.
            long[] tick = {0};
            schedule.scheduleAtFixedRate(() -> {
                long t = tick[0]++;
                if (t % 3 == 0) {
                    dHealthy.set(!dHealthy.get());
                }
                c.setUp(t % 12 < 8);
                // The test origins record every request; the soak reads none of them.
                List.of(a, b, d).forEach(TestOrigin::clear);
                c.clear();
            }, 0, 1, TimeUnit.SECONDS);

            Duration warmUp = Duration.ofMillis(Math.min(15_000, length.toMillis() / 6));
            SoakLoad load = new SoakLoad(host.port(), CONTEXT, clients);
            report.printf("soak: %d clients, %s warm-up, then %s%n", clients, warmUp, length.minus(warmUp));
            load.runFor(warmUp, null);
            SoakFigures start = quiet();
            report.println("start: " + start);
            load.reset();
            Duration every = Duration.ofSeconds(Math.max(10, length.minus(warmUp).toSeconds() / 10));
            load.runFor(length.minus(warmUp), () -> report.printf("  %s: %s | %s%n", load.elapsed(), load.counts(), SoakFigures.now(CONTEXT, UPSTREAMS)));
            SoakFigures end = quiet();
            report.println("end:   " + end);
            SoakRun run = new SoakRun(load.counts(), load.wrong(), load.wrongCount(), load.percentiles(), start, end,
                    end.growthSince(start, TRACKED_CLIENTS_BOUND));
            run.print(report);
            host.undeploy(app);
            return run;
        } finally {
            schedule.shutdownNow();
            c.setUp(false);
            a.close();
            b.close();
            d.close();
        }
    }

    /** Figures once nothing is in flight and idle pooled connections had time to close. */
    private static SoakFigures quiet() throws Exception {
        Thread.sleep(IDLE_MILLIS + 1_500);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        SoakFigures figures = SoakFigures.now(CONTEXT, UPSTREAMS);
        // An active check may hold a connection for a moment: idle once is idle.
        while (!figures.poolsIdle() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            figures = SoakFigures.now(CONTEXT, UPSTREAMS);
        }
        return figures;
    }

    static String configuration(int a, int b, int refusing, int c, int d) {
        return """
                sluice.trusted-proxies=127.0.0.1
                sluice.route.steady.path=/steady
                sluice.route.steady.upstream=steady
                sluice.upstream.steady.nodes=127.0.0.1:%d, 127.0.0.1:%d, 127.0.0.1:%d
                sluice.upstream.steady.timeout=1500
                sluice.upstream.steady.pool.idle-timeout=%d
                sluice.upstream.steady.rate-limit=5000
                sluice.upstream.steady.rate-limit.per-client=20
                sluice.upstream.steady.rate-limit.per-client.max-clients=%d
                sluice.route.flaky.path=/flaky
                sluice.route.flaky.upstream=flaky
                sluice.upstream.flaky.nodes=127.0.0.1:%d, 127.0.0.1:%d
                sluice.upstream.flaky.timeout=1500
                sluice.upstream.flaky.pool.idle-timeout=%d
                sluice.upstream.flaky.health.check.path=/health
                sluice.upstream.flaky.health.check.interval=500
                sluice.upstream.flaky.health.check.healthy-threshold=1
                sluice.upstream.flaky.health.check.unhealthy-threshold=1
                """.formatted(a, b, refusing, IDLE_MILLIS, TRACKED_CLIENTS_BOUND, c, d, IDLE_MILLIS);
    }

    /** Node C: a good node that goes down (its port refusing, its connections cut) and comes back on the same port. */
    private static final class NodeCycle {
        private final int port;
        private TestOrigin origin;

        NodeCycle(int port) {
            this.port = port;
        }

        synchronized void clear() {
            if (origin != null) {
                origin.clear();
            }
        }

        synchronized void setUp(boolean up) {
            try {
                if (up && origin == null) {
                    origin = TestOrigin.startOn(port, "soak-c", SoakNodes.good());
                } else if (!up && origin != null) {
                    origin.close();
                    origin = null;
                }
            } catch (Exception e) {
                System.err.println("soak: node C could not come back on port " + port + ": " + e);
            }
        }
    }

    /** A finished run's figures and verdict. */
    record SoakRun(Map<Kind, EnumMap<Outcome, Long>> counts, List<String> wrong, long wrongCount, String percentiles,
            SoakFigures start, SoakFigures end, List<String> leaks) {
        boolean passed() {
            return wrongCount == 0 && leaks.isEmpty();
        }

        long total() {
            return counts.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        }

        void print(PrintStream out) {
            out.println("requests by kind and outcome (after the warm-up): " + total());
            counts.forEach((kind, outcomes) -> out.printf("  %-17s %s%n", kind, outcomes));
            out.println("time to the end of a right answer: " + percentiles);
            out.println("wrong answers: " + wrongCount);
            wrong.forEach(w -> out.println("  " + w));
            out.println("grown: " + (leaks.isEmpty() ? "nothing" : String.join("; ", leaks)));
            out.println(passed() ? "PASSED" : "FAILED");
        }
    }
}
