package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.limits.SharedLimitStore.Bucket;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis Cluster of three masters, each with a replica, changing under decisions asked one after
 * another: the slot of the test's bucket moved to another master, or its master failed over. A
 * slot move and an operator's {@code CLUSTER FAILOVER} cost no decision; a killed master costs
 * those until its replica is elected and the client has read the new topology (the cluster's node
 * timeout, two seconds here, and at most five seconds more), after which every decision is made
 * in the promoted replica.
 */
class RedisClusterTopologyTest {
    private static final Bucket BUCKET = new Bucket("{sluice:failover}:all", 1_000_000, 1_000_000);
    private static final long NODE_TIMEOUT_MILLIS = 2_000;

    @RegisterExtension
    final Started started = new Started();
    private RedisCluster cluster;
    private ConnectedStore store;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = started.add(RedisCluster.start(3, 1, NODE_TIMEOUT_MILLIS));
        store = started.add(ConnectedStore.to(cluster.uri()));
    }

    @Test
    void anOperatorsFailoverCostsNoDecision() throws Exception {
        RedisServer replica = cluster.replicaOf(cluster.masterOf(BUCKET.key()));
        try (Decisions decisions = new Decisions(store)) {
            // CLUSTER FAILOVER waits for the replica to have every write, with writes paused for that moment.
            Thread.sleep(1_000);
            assertEquals("+OK", replica.command("CLUSTER", "FAILOVER"));
            RedisCluster.awaitRole(replica, "role:master");
            long madeByReplica = replica.scriptCalls();
            Thread.sleep(2_000);

            assertEquals(0, decisions.failed.get(), "decisions failed across the failover, of " + decisions.made.get());
            assertTrue(replica.scriptCalls() > madeByReplica + 100, "the promoted replica decides");
        }
    }

    @Test
    void aKilledMastersDecisionsFailOnlyUntilItsReplicaIsElectedAndFound() throws Exception {
        RedisServer master = cluster.masterOf(BUCKET.key());
        RedisServer replica = cluster.replicaOf(master);
        try (Decisions decisions = new Decisions(store)) {
            Thread.sleep(1_000);
            long killedAt = System.nanoTime();
            master.kill();
            long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
            // Until two seconds without a failure have passed since the first.
            while (decisions.lastFailure.get() < killedAt || System.nanoTime() - decisions.lastFailure.get() < TimeUnit.SECONDS.toNanos(2)) {
                assertTrue(System.nanoTime() < deadline, "decisions made again within 30 s: " + decisions.failed + " failed");
                Thread.sleep(50);
            }
            long failingMillis = (decisions.lastFailure.get() - killedAt) / 1_000_000;
            long failed = decisions.failed.get();
            long madeByReplica = replica.scriptCalls();
            Thread.sleep(1_000);

            assertTrue(failed > 0, "decisions failed while no master held the slot (to the filter's fallback)");
            assertTrue(failingMillis < NODE_TIMEOUT_MILLIS + 5_000, "failed for " + failingMillis + " ms, beyond the node timeout and five seconds");
            assertEquals(failed, decisions.failed.get(), "every decision since is made");
            assertTrue(replica.scriptCalls() > madeByReplica + 100, "by the promoted replica");
        }
    }

    @Test
    void aSlotMovedToAnotherMasterCostsNoDecision() throws Exception {
        RedisServer source = cluster.masterOf(BUCKET.key());
        RedisServer target = cluster.nodes().stream().filter(n -> RedisCluster.isMaster(n) && n != source).findFirst().orElseThrow();
        String slot = cluster.slotOf(BUCKET.key());
        String sourceId = source.command("CLUSTER", "MYID");
        String targetId = target.command("CLUSTER", "MYID");
        try (Decisions decisions = new Decisions(store)) {
            Thread.sleep(1_000);
            // As redis-cli --cluster reshard does it: importing, migrating, the keys moved, then the slot given.
            // Meanwhile a decision whose key is gone from the source is sent on by ASK.
            assertEquals("+OK", target.command("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId));
            assertEquals("+OK", source.command("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId));
            Thread.sleep(500);
            // The bucket is the slot's one key; at this rate it expires two milliseconds after each decision.
            String migrated = source.command("MIGRATE", "127.0.0.1", Integer.toString(target.port()), BUCKET.key(), "0", "5000");
            assertTrue(migrated.equals("+OK") || migrated.equals("+NOKEY"), migrated);
            Thread.sleep(500);
            for (RedisServer node : cluster.nodes()) {
                if (RedisCluster.isMaster(node)) {
                    assertEquals("+OK", node.command("CLUSTER", "SETSLOT", slot, "NODE", targetId));
                }
            }
            Thread.sleep(1_500);
            long bySource = source.scriptCalls();
            long byTarget = target.scriptCalls();
            Thread.sleep(1_000);

            assertEquals(0, decisions.failed.get(), "decisions failed across the move, of " + decisions.made.get());
            assertEquals(bySource, source.scriptCalls(), "the old master is asked no more");
            assertTrue(target.scriptCalls() > byTarget + 100, "the new one decides");
        }
    }

    /** Decisions asked one after another on a thread of their own, each as soon as the last answered; counted. */
    private static final class Decisions implements AutoCloseable {
        private final AtomicLong made = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong lastFailure = new AtomicLong();
        private volatile boolean running = true;
        private final Thread asker;

        Decisions(ConnectedStore store) {
            asker = new Thread(() -> {
                while (running) {
                    try {
                        store.take(BUCKET);
                        made.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        lastFailure.set(System.nanoTime());
                        // Refused at once while its node is down: do not spin.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                }
            }, "cluster-decisions");
            asker.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            asker.join(10_000);
        }
    }
}
