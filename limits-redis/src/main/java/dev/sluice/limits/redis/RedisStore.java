package dev.sluice.limits.redis;

import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedLimitStore;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The shared store in Redis, through Lettuce's asynchronous API: each decision (or lease of
 * several tokens) is one {@code EVALSHA} of a GCRA script over the call's buckets, answered on
 * Lettuce's threads, and failed by Lettuce's own timer once it takes longer than the bound.
 * Commands are refused at once while the connection is down (never queued), so a dead Redis
 * costs no waiting; Lettuce reconnects by itself every quarter second. A Redis unreachable at
 * open is connected to again at each heartbeat. Closing it ends every thread it started before it
 * returns, so that an application undeployed or reloaded leaves none behind.
 */
final class RedisStore implements SharedLimitStore {
    /** One set for the instances, in one slot of a cluster. */
    private static final String INSTANCES = "{sluice}:instances";
    /** Instances that have not said they are alive for this long are no longer counted. */
    private static final long INSTANCE_WINDOW_MILLIS = 3_000;
    private static final double MICROS = 1_000_000.0;

    private final HashedWheelTimer timer;
    /** Lettuce's I/O and computation threads, joined on close. */
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final Supplier<CompletionStage<Connected>> connector;
    private final LuaScript take = LuaScript.load("take.lua");
    private final LuaScript heartbeat = LuaScript.load("heartbeat.lua");
    /** A connection being opened, or {@code null}. */
    private CompletionStage<Connected> attempt;
    private volatile Connected connected;
    private volatile boolean closed;

    /** An open connection and its commands, standalone or cluster alike. */
    private record Connected(StatefulConnection<String, String> connection, RedisScriptingAsyncCommands<String, String> commands) {
    }

    /** Opens the client and starts connecting, without waiting. */
    static RedisStore open(String uri, Duration timeout) {
        return NettyThreadLocals.leaveNone(() -> {
            RedisStore store = new RedisStore(uri, timeout);
            store.connection();
            return store;
        });
    }

    private RedisStore(String uri, Duration timeout) {
        // Lettuce fails a command that outlives its timeout on a wheel timer; the default tick (100
        // ms) would let a bound of a few milliseconds last a hundred.
        long tickMillis = Math.max(1, timeout.toMillis() / 5);
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("sluice-redis-timer", true), tickMillis, TimeUnit.MILLISECONDS);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).timer(timer)
                .threadFactoryProvider(this::threadFactory).reconnectDelay(Delay.constant(Duration.ofMillis(250))).build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        try {
            if (RedisUris.isCluster(uri)) {
                List<RedisURI> seeds = RedisUris.cluster(uri);
                RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
                // A slot moved answers MOVED or ASK, which Lettuce follows at once and which makes it
                // read the topology again; so do reconnects to a node that fails three times in a row
                // (a dead master, three quarter-second delays), and a topology read every ten seconds
                // catches the rest. Such reads are spaced by a second, not Lettuce's thirty: a failover
                // soon after a slot move is found without waiting for the periodic read.
                ClusterClientOptions.Builder options = ClusterClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers()
                                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1)).refreshTriggersReconnectAttempts(3)
                                .enablePeriodicRefresh(Duration.ofSeconds(10)).build());
                options.maintNotificationsConfig(MaintNotificationsConfig.disabled());
                cluster.setOptions(options.build());
                this.client = cluster;
                // The topology first, read from any seed: connecting needs it.
                this.connector = () -> cluster.refreshPartitionsAsync().thenCompose(topology -> cluster.connectAsync(StringCodec.UTF8))
                        .thenApply(c -> new Connected(c, c.async()));
            } else {
                RedisURI single = RedisUris.single(uri);
                RedisClient standalone = RedisClient.create(resources);
                standalone.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .maintNotificationsConfig(MaintNotificationsConfig.disabled()).build());
                this.client = standalone;
                this.connector = () -> standalone.connectAsync(StringCodec.UTF8, single).thenApply(c -> new Connected(c, c.async()));
            }
        } catch (RuntimeException e) {
            shutdownResources();
            throw e;
        }
    }

    /** Lettuce's own kind of threads (Netty's, daemons), each kept to be joined on close. */
    private ThreadFactory threadFactory(String pool) {
        ThreadFactory netty = new DefaultThreadFactory(pool, true);
        return task -> {
            Thread thread = netty.newThread(task);
            threads.add(thread);
            return thread;
        };
    }

    @Override
    public CompletionStage<RateLimiter.Decision> acquire(List<Bucket> buckets) {
        return take(buckets, 1).thenApply(answer -> refusal(answer, buckets));
    }

    @Override
    public CompletionStage<Grant> lease(Bucket bucket, int atMost) {
        List<Bucket> buckets = List.of(bucket);
        return take(buckets, atMost).thenApply(answer -> {
            RateLimiter.Decision refusal = refusal(answer, buckets);
            return refusal != null ? Grant.refused(refusal) : Grant.of(((Number) answer.get(1)).intValue());
        });
    }

    /** One run of the script: up to this many tokens from every bucket, all or none. */
    private CompletionStage<List<Object>> take(List<Bucket> buckets, int atMost) {
        Connected now = connected;
        if (now == null) {
            return notConnected();
        }
        String[] keys = new String[buckets.size()];
        String[] args = new String[buckets.size() * 2 + 1];
        for (int i = 0; i < keys.length; i++) {
            Bucket bucket = buckets.get(i);
            double interval = MICROS / bucket.rate();
            keys[i] = bucket.key();
            args[2 * i] = Double.toString(interval);
            args[2 * i + 1] = Double.toString(interval * bucket.burst());
        }
        args[args.length - 1] = Integer.toString(atMost);
        // Usually on a container thread: Netty's pools must not stay in it.
        return NettyThreadLocals.leaveNone(() -> take.<List<Object>>run(now.commands(), ScriptOutputType.MULTI, keys, args));
    }

    /** The script's answer as the local limiter gives it: {@code null} to go on, else the refusal. */
    private static RateLimiter.Decision refusal(List<Object> answer, List<Bucket> buckets) {
        int refusing = ((Number) answer.get(0)).intValue();
        if (refusing == 0) {
            return null;
        }
        long retryAfterMicros = ((Number) answer.get(1)).longValue();
        long fullInMicros = ((Number) answer.get(2)).longValue();
        return new RateLimiter.Decision(false, buckets.get(refusing - 1).rate(), 0, retryAfterMicros * 1_000, fullInMicros * 1_000);
    }

    @Override
    public CompletionStage<Integer> heartbeat(String instance) {
        return NettyThreadLocals.leaveNone(() -> connection().thenCompose(now -> heartbeat.<Long>run(now.commands(), ScriptOutputType.INTEGER,
                new String[] {INSTANCES}, instance, Long.toString(INSTANCE_WINDOW_MILLIS)))).thenApply(Long::intValue);
    }

    /** A decision does not wait for a connection: the fallback makes it, and the next heartbeat connects. */
    private <T> CompletionStage<T> notConnected() {
        return CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis yet"));
    }

    /**
     * The connection, or the attempt under way, or a new one. Once connected, Lettuce keeps the
     * connection up by itself.
     */
    private synchronized CompletionStage<Connected> connection() {
        if (connected != null) {
            return CompletableFuture.completedFuture(connected);
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        if (attempt != null) {
            return attempt;
        }
        CompletionStage<Connected> started;
        try {
            started = connector.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Connected> pending = new CompletableFuture<>();
        attempt = pending;
        // May complete at once, on this thread: opened() then clears the attempt before it returns.
        started.whenComplete((opened, failure) -> {
            opened(opened);
            if (failure != null) {
                pending.completeExceptionally(failure);
            } else {
                pending.complete(opened);
            }
        });
        return pending;
    }

    private synchronized void opened(Connected opened) {
        attempt = null;
        if (opened != null) {
            if (closed) {
                opened.connection().closeAsync();
            } else {
                connected = opened;
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        NettyThreadLocals.leaveNone(() -> {
            // Closes the connection too.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            shutdownResources();
            return null;
        });
    }

    private void shutdownResources() {
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Its threads are daemons; stopping is best effort.
        }
        timer.stop();
        try {
            // Shut down is reported as the threads' last tasks end, a moment before they do.
            for (Thread thread : threads) {
                thread.join(2_000);
            }
            // Netty's one shared thread, which ran the shutdown's listeners, stops a second after its last task.
            GlobalEventExecutor.INSTANCE.awaitInactivity(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
