package dev.sluice.bench;

import dev.sluice.balancing.IpHash;
import dev.sluice.balancing.SmoothWeightedRoundRobin;
import dev.sluice.clientip.TrustedProxies;
import dev.sluice.config.RateLimitSettings;
import dev.sluice.limits.CallLimits;
import dev.sluice.limits.RateLimiter;
import dev.sluice.routing.RequestPaths;
import dev.sluice.routing.Router;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Function;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What Sluice's own per-request decisions cost, each on its own: the path check and the route
 * match (for a routed request and for one that goes on to the application, with a few routes and
 * with many), the balancer's pick, the rate limits, and the client address behind trusted proxies.
 */
public class HotPathBenchmark extends MicroBenchmark {
    /** The routing table, in a state of its own so that only the routing benchmarks run per table size. */
    @State(Scope.Thread)
    public static class Routes {
        /** Number of configured routes: a small gateway, a large one, and one fronting thousands of services. */
        @Param({"10", "1000", "10000"})
        int routes;

        Router<String> router;
        String routedPath;
        String unroutedPath;

        /**
         * Prefixes of one, two and three segments of varied lengths, as a gateway in front of many
         * teams' services has them, so the table holds prefixes at nearly every length and depth a
         * request path can reach, the worst case for a lookup per segment boundary.
         */
        @Setup
        public void setUp() {
            List<String> prefixes = new ArrayList<>();
            for (int i = 0; i < routes; i++) {
                prefixes.add(switch (i % 3) {
                    case 0 -> "/svc" + i;
                    case 1 -> "/team-" + (i % 97) + "/svc" + i;
                    default -> "/api/v" + (i % 7) + "/service-" + i;
                });
            }
            router = new Router<>(prefixes, Function.identity());
            int hit = routes / 2 - routes / 2 % 3 + 2;
            routedPath = "/api/v" + (hit % 7) + "/service-" + hit + "/orders/42/items";
            unroutedPath = "/app/pages/index.html";
        }
    }

    private SmoothWeightedRoundRobin roundRobin;
    private IpHash ipHash;
    private String[] clients;
    private int nextClient;
    private final BitSet noneExcluded = new BitSet();
    private RateLimiter upstreamLimit;
    private CallLimits perClientLimits;
    private long fakeNanos;
    private TrustedProxies trusted;

    @Setup
    public void setUp() {
        roundRobin = new SmoothWeightedRoundRobin(new int[] {5, 1, 1, 3, 2});
        List<String> nodes = List.of("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.4:8080", "10.0.0.5:8080");
        ipHash = new IpHash(nodes, new int[] {5, 1, 1, 3, 2}, 32, 64, 100_000);
        clients = new String[10_000];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = "198.51." + (i / 256) + "." + (i % 256);
        }

        // A clock that moves 1 ms per call keeps the buckets from running dry: the allowed path is measured.
        upstreamLimit = new RateLimiter(1_000, 100, () -> fakeNanos += 1_000_000);
        perClientLimits = CallLimits.of(new RateLimitSettings(1_000_000, 1_000, 0),
                new RateLimitSettings(1_000, 100, 100_000), () -> fakeNanos += 1_000_000);
        trusted = TrustedProxies.parse("10.0.0.0/8, 192.168.0.0/16");
    }

    private String nextClient() {
        String client = clients[nextClient];
        nextClient = (nextClient + 1) % clients.length;
        return client;
    }

    @Benchmark
    public boolean pathCheck(Routes routes) {
        return RequestPaths.isUnambiguous(routes.routedPath);
    }

    @Benchmark
    public String routeMatchHit(Routes routes) {
        return routes.router.match(routes.routedPath);
    }

    @Benchmark
    public String routeMatchMiss(Routes routes) {
        return routes.router.match(routes.unroutedPath);
    }

    @Benchmark
    public int roundRobinPick() {
        return roundRobin.pick(null, noneExcluded);
    }

    @Benchmark
    public int ipHashPick() {
        return ipHash.pick(nextClient(), noneExcluded);
    }

    @Benchmark
    public RateLimiter.Decision upstreamRateLimit() {
        return upstreamLimit.acquire();
    }

    @Benchmark
    public RateLimiter.Decision perClientRateLimit() {
        return perClientLimits.refusal(nextClient());
    }

    @Benchmark
    public String clientBehindTrustedProxies() {
        return trusted.clientAddress("10.1.2.3", nextClient() + ", 192.168.1.7, 10.4.5.6");
    }
}
