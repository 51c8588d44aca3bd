package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedLimitStore;
import dev.sluice.limits.SharedLimitStore.Bucket;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store in a Redis Cluster of three masters, started from the same binary on loopback ports. */
class RedisClusterTest {
    private static final List<RedisServer> MASTERS = new ArrayList<>();
    private static SharedLimitStore store;

    @BeforeAll
    static void startCluster() throws Exception {
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < 3; i++) {
            RedisServer master = RedisServer.launch("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000");
            MASTERS.add(master);
            create.add("127.0.0.1:" + master.port());
        }
        create.add("--cluster-yes");
        Process created = new ProcessBuilder(create).redirectErrorStream(true).start();
        String output = new String(created.getInputStream().readAllBytes());
        assertTrue(created.waitFor(60, TimeUnit.SECONDS) && created.exitValue() == 0, "cluster created: " + output);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (RedisServer master : MASTERS) {
            while (!master.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
                assertTrue(System.nanoTime() < deadline, "cluster_state:ok on " + master.port());
                Thread.sleep(100);
            }
        }
        store = RedisStoreTest.connected("redis-cluster://127.0.0.1:" + MASTERS.get(0).port());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (store != null) {
            store.close();
        }
        for (RedisServer master : MASTERS) {
            master.close();
        }
    }

    private static RateLimiter.Decision take(Bucket... buckets) throws Exception {
        return store.acquire(List.of(buckets)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void upstreamsOnEveryMasterAreDecidedThroughOneSeed() throws Exception {
        // Forty upstreams' tags fall on all three masters' slots; the store follows MOVED to each.
        for (int u = 0; u < 40; u++) {
            Bucket client = new Bucket("{sluice:u" + u + "}:198.51.100.7", 1, 1);
            Bucket upstream = new Bucket("{sluice:u" + u + "}:all", 1, 2);
            assertNull(take(client, upstream), "upstream " + u + " allows a first call");
            RateLimiter.Decision refusal = take(client, upstream);
            assertNotNull(refusal, "upstream " + u + " refuses the client's second call at once");
        }
        for (RedisServer master : MASTERS) {
            assertTrue(master.command("INFO", "commandstats").contains("cmdstat_eval"), "master " + master.port() + " decided calls");
        }
    }

    @Test
    void heartbeatsCountInTheCluster() throws Exception {
        assertTrue(store.heartbeat("cluster-a").toCompletableFuture().get(5, TimeUnit.SECONDS) >= 1);
    }
}
