package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.limits.SharedLimitStore;
import dev.sluice.limits.SharedLimitStore.Bucket;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    private final List<RedisServer> nodes = new ArrayList<>();
    private SharedLimitStore store;

    @BeforeEach
    void startCluster() throws Exception {
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < 6; i++) {
            RedisServer node = RedisServer.launch("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", Long.toString(NODE_TIMEOUT_MILLIS));
            nodes.add(node);
            create.add("127.0.0.1:" + node.port());
        }
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process created = new ProcessBuilder(create).redirectErrorStream(true).start();
        String output = new String(created.getInputStream().readAllBytes());
        assertTrue(created.waitFor(60, TimeUnit.SECONDS) && created.exitValue() == 0, "cluster created: " + output);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (RedisServer node : nodes) {
            while (!node.command("CLUSTER", "INFO").contains("cluster_state:ok") || !replicaInSync(node)) {
                assertTrue(System.nanoTime() < deadline, "cluster_state:ok and replicas in sync on " + node.port());
                Thread.sleep(100);
            }
        }
        store = RedisStoreTest.connected("redis-cluster://127.0.0.1:" + nodes.get(0).port());
    }

    private static boolean replicaInSync(RedisServer node) throws Exception {
        String replication = node.command("INFO", "replication");
        return replication.contains("role:master") || replication.contains("master_link_status:up");
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (store != null) {
            store.close();
        }
        for (RedisServer node : nodes) {
            node.close();
        }
    }

    @Test
    void anOperatorsFailoverCostsNoDecision() throws Exception {
        RedisServer replica = replicaOf(masterOf(BUCKET.key()));
        try (Decisions decisions = new Decisions(store)) {
            // CLUSTER FAILOVER waits for the replica to have every write, with writes paused for that moment.
            Thread.sleep(1_000);
            assertEquals("+OK", replica.command("CLUSTER", "FAILOVER"));
            awaitRole(replica, "role:master");
            long madeByReplica = replica.scriptCalls();
            Thread.sleep(2_000);

            assertEquals(0, decisions.failed.get(), "decisions failed across the failover, of " + decisions.made.get());
            assertTrue(replica.scriptCalls() > madeByReplica + 100, "the promoted replica decides");
        }
    }

    @Test
    void aKilledMastersDecisionsFailOnlyUntilItsReplicaIsElectedAndFound() throws Exception {
        RedisServer master = masterOf(BUCKET.key());
        RedisServer replica = replicaOf(master);
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
        RedisServer source = masterOf(BUCKET.key());
        RedisServer target = nodes.stream().filter(n -> isMaster(n) && n != source).findFirst().orElseThrow();
        String slot = nodes.get(0).command("CLUSTER", "KEYSLOT", BUCKET.key()).substring(1);
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
            for (RedisServer node : nodes) {
                if (isMaster(node)) {
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

    private static boolean isMaster(RedisServer node) {
        try {
            return node.command("INFO", "replication").contains("role:master");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Decisions asked one after another on a thread of their own, each as soon as the last answered; counted. */
    private static final class Decisions implements AutoCloseable {
        private final AtomicLong made = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong lastFailure = new AtomicLong();
        private volatile boolean running = true;
        private final Thread asker;

        Decisions(SharedLimitStore store) {
            asker = new Thread(() -> {
                while (running) {
                    try {
                        store.acquire(List.of(BUCKET)).toCompletableFuture().get(5, TimeUnit.SECONDS);
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

    /** The master whose slots hold this key. */
    private RedisServer masterOf(String key) throws Exception {
        long slot = Long.parseLong(nodes.get(0).command("CLUSTER", "KEYSLOT", key).substring(1));
        for (String line : nodes.get(0).command("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.trim().split(" ");
            if (!fields[2].contains("master")) {
                continue;
            }
            for (int i = 8; i < fields.length; i++) {
                String[] range = fields[i].split("-");
                long from = Long.parseLong(range[0]);
                long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return node(fields[1]);
                }
            }
        }
        throw new AssertionError("no master holds slot " + slot);
    }

    private RedisServer replicaOf(RedisServer master) throws Exception {
        String id = master.command("CLUSTER", "MYID");
        for (String line : master.command("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields[3].equals(id)) {
                return node(fields[1]);
            }
        }
        throw new AssertionError("no replica of " + master.port());
    }

    /** The node of an address as CLUSTER NODES gives it: {@code 127.0.0.1:port@busport}. */
    private RedisServer node(String address) {
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
        return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    private static void awaitRole(RedisServer node, String role) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!node.command("INFO", "replication").contains(role)) {
            assertTrue(System.nanoTime() < deadline, node.port() + " " + role);
            Thread.sleep(20);
        }
    }
}
