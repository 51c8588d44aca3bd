package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of real {@code redis-server}s on loopback ports, made by {@code redis-cli
 * --cluster create}, and what a test asks of its topology: which master holds a key, which node
 * replicates it.
 */
final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes = new ArrayList<>();

    private RedisCluster() {
    }

    /**
     * Starts this many masters, each with this many replicas, and waits until every node sees the
     * cluster ok and every replica has caught up with its master.
     */
    static RedisCluster start(int masters, int replicasEach, long nodeTimeoutMillis) throws Exception {
        RedisCluster cluster = new RedisCluster();
        try {
            cluster.create(masters * (1 + replicasEach), replicasEach, nodeTimeoutMillis);
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void create(int size, int replicasEach, long nodeTimeoutMillis) throws Exception {
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < size; i++) {
            RedisServer node = RedisServer.launch("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", Long.toString(nodeTimeoutMillis));
            nodes.add(node);
            create.add("127.0.0.1:" + node.port());
        }
        create.addAll(List.of("--cluster-replicas", Integer.toString(replicasEach), "--cluster-yes"));
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
    }

    private static boolean replicaInSync(RedisServer node) throws IOException {
        String replication = node.command("INFO", "replication");
        return replication.contains("role:master") || replication.contains("master_link_status:up");
    }

    List<RedisServer> nodes() {
        return nodes;
    }

    /** The URI a client finds the whole cluster through: its first node's. */
    String uri() {
        return "redis-cluster://127.0.0.1:" + nodes.get(0).port();
    }

    /** The hash slot of a key, as the cluster computes it. */
    String slotOf(String key) throws IOException {
        return nodes.get(0).command("CLUSTER", "KEYSLOT", key).substring(1);
    }

    static boolean isMaster(RedisServer node) {
        try {
            return node.command("INFO", "replication").contains("role:master");
        } catch (IOException e) {
            return false;
        }
    }

    /** The master whose slots hold this key. */
    RedisServer masterOf(String key) throws IOException {
        long slot = Long.parseLong(slotOf(key));
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

    RedisServer replicaOf(RedisServer master) throws IOException {
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

    /** Waits (up to ten seconds) until the node's replication section names this role. */
    static void awaitRole(RedisServer node, String role) throws Exception {
        Await.until(Duration.ofSeconds(10), () -> node.command("INFO", "replication").contains(role), () -> node.port() + " " + role);
    }

    @Override
    public void close() throws Exception {
        for (RedisServer node : nodes) {
            node.close();
        }
    }
}
