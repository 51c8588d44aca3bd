package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedLimitStore.Bucket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store in a Redis Cluster of three masters, started from the same binary on loopback ports. */
class RedisClusterTest {
    @RegisterExtension
    static final Started STARTED = new Started();
    private static RedisCluster cluster;
    private static ConnectedStore store;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = STARTED.add(RedisCluster.start(3, 0, 2_000));
        store = STARTED.add(ConnectedStore.to(cluster.uri()));
    }

    @Test
    void upstreamsOnEveryMasterAreDecidedThroughOneSeed() throws Exception {
        // Forty upstreams' tags fall on all three masters' slots; the store follows MOVED to each.
        for (int u = 0; u < 40; u++) {
            Bucket client = new Bucket("{sluice:u" + u + "}:198.51.100.7", 1, 1);
            Bucket upstream = new Bucket("{sluice:u" + u + "}:all", 1, 2);
            assertNull(store.take(client, upstream), "upstream " + u + " allows a first call");
            RateLimiter.Decision refusal = store.take(client, upstream);
            assertNotNull(refusal, "upstream " + u + " refuses the client's second call at once");
        }
        for (RedisServer master : cluster.nodes()) {
            assertTrue(master.command("INFO", "commandstats").contains("cmdstat_eval"), "master " + master.port() + " decided calls");
        }
    }

    @Test
    void heartbeatsCountInTheCluster() throws Exception {
        assertTrue(store.heartbeat("cluster-a") >= 1);
    }
}
