package dev.sluice.upstream;

import dev.sluice.config.UpstreamSettings;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The upstream's part of one shared I/O thread: its share of the upstream's connections, in a
 * pool of its own, and a count of the exchanges it carries, in all and per node, which is what
 * the lane is chosen by. Its pool (and, if no other upstream started it, the shared thread's
 * client) is built on its first exchange: a gateway of a thousand upstreams, most idle at any
 * time, would otherwise hold a thousand pools for nothing.
 */
final class Lane {
    /**
     * How long a connection must have been idle to be trimmed as surplus. Long enough that a steady
     * but uneven load keeps its connections: at one second, an open load of 3,000 requests a second
     * (concurrency rising and falling with every collector pause) had 35-98 connections a second
     * closed and opened again, each a new handshake with the node and three fresh buffers; at ten
     * seconds, almost none.
     */
    private static final TimeValue TRIM_IDLE_AFTER = TimeValue.ofSeconds(10);

    private final UpstreamSettings settings;
    private final TlsStrategy tls;
    private final int maxConnections;
    private final int maxConnectionsPerNode;
    private final int maxIdle;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicIntegerArray inFlightPerNode;
    private final ScheduledExecutorService timer;
    private final IoThreads io;
    private final int thread;
    private final IoThreads.Profile profile;
    /** The pool and client once started; read without a lock on every exchange. */
    private volatile Started started;
    private boolean closed;

    /**
     * A started lane's pool, the shared client whose thread its connections live on, and the
     * ticket of its exchanges that need not wait.
     */
    private record Started(PoolingAsyncClientConnectionManager pool, CloseableHttpAsyncClient client, PoolDispatch.Ticket ticket) {
    }

    /**
     * @param tls the upstream's TLS strategy, or {@code null} for HTTP
     * @param timer where the deadlines of exchanges waiting for a connection run
     * @param thread which of the shared I/O threads the lane is
     */
    Lane(UpstreamSettings settings, TlsStrategy tls, int index, int count, ScheduledExecutorService timer,
            IoThreads io, int thread, IoThreads.Profile profile) {
        this.settings = settings;
        this.tls = tls;
        this.timer = timer;
        this.io = io;
        this.thread = thread;
        this.profile = profile;
        this.maxConnections = share(settings.pool().maxConnections(), index, count);
        this.maxConnectionsPerNode = share(settings.pool().maxConnectionsPerNode(), index, count);
        this.maxIdle = share(settings.pool().maxIdleConnections(), index, count);
        this.inFlightPerNode = new AtomicIntegerArray(settings.nodes().size());
    }

    /** Lane {@code lane}'s part of {@code total} split over {@code lanes}: the parts add up to it. */
    static int share(int total, int lane, int lanes) {
        return total / lanes + (lane < total % lanes ? 1 : 0);
    }

    /** The lane's pool and client, built and started by the first exchange that needs them. */
    private Started started() {
        Started running = started;
        if (running != null) {
            return running;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("upstream '" + settings.name() + "' is closed");
            }
            if (started == null) {
                PoolingAsyncClientConnectionManager pool = pool();
                started = new Started(pool, io.client(thread, profile), new PoolDispatch.Ticket(pool, null));
            }
            return started;
        }
    }

    private PoolingAsyncClientConnectionManager pool() {
        PoolingAsyncClientConnectionManagerBuilder poolBuilder = PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnectionsPerNode)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(settings.timeouts().connect()))
                        .setSocketTimeout(Timeout.of(settings.timeouts().response()))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build());
        if (tls != null) {
            poolBuilder.setTlsStrategy(tls)
                    .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build());
        }
        return poolBuilder.build();
    }

    /** How many more exchanges with the node the lane takes before its pool makes them wait. */
    int room(int node) {
        return Math.min(maxConnectionsPerNode - inFlightPerNode.get(node), maxConnections - inFlight.get());
    }

    /**
     * Sends an exchange on this lane. One beyond the lane's share of connections waits in the
     * pool, under a {@link PoolWait} that refuses it after {@code waitLimit}.
     */
    <T> Future<T> execute(int node, AsyncRequestProducer request, AsyncResponseConsumer<T> response,
            HttpClientContext context, FutureCallback<T> callback, Duration waitLimit) {
        int total = inFlight.incrementAndGet();
        int toNode = inFlightPerNode.incrementAndGet(node);
        boolean waits = total > maxConnections || toNode > maxConnectionsPerNode;
        FutureCallback<T> counted = new Counted<>(this, node, context, callback);
        PoolWait<T> wait = waits ? new PoolWait<>(counted, waitLimit) : null;
        Future<T> call;
        try {
            Started running = started();
            // The lease's pool (and wait), for PoolDispatch: HttpClient hands the user token to the lease.
            context.setUserToken(wait == null ? running.ticket() : new PoolDispatch.Ticket(running.pool(), wait));
            call = running.client().execute(request, response, null, context, wait != null ? wait : counted);
        } catch (RuntimeException e) {
            ended(node);
            throw e;
        }
        if (wait != null) {
            wait.watch(call, timer);
        }
        return call;
    }

    void ended(int node) {
        inFlight.decrementAndGet();
        inFlightPerNode.decrementAndGet(node);
    }

    void trimIdle(TimeValue idleTimeout) {
        Started running = started;
        if (running == null) {
            return;
        }
        running.pool().closeExpired();
        running.pool().closeIdle(idleTimeout);
        if (running.pool().getTotalStats().getAvailable() > maxIdle) {
            running.pool().closeIdle(TRIM_IDLE_AFTER);
        }
    }

    /** The pool's figures; a lane not started has none of its connections open. */
    PoolStats stats() {
        Started running = started;
        return running == null ? new PoolStats(0, 0, 0, maxConnections) : running.pool().getTotalStats();
    }

    /** Closes the lane's pool; the shared thread and its client go on. */
    synchronized void close() {
        closed = true;
        if (started != null) {
            started.pool().close(CloseMode.IMMEDIATE);
        }
    }

    /**
     * Takes an exchange off its lane's count before passing HttpClient's verdict on, so that a
     * retry sent from the verdict already sees the lane's room again; a failure of a connection
     * that never took the request is passed on as {@link UnsentOnBrokenConnection}, a malformed
     * answer on a connection used before as {@link MalformedOnReusedConnection}.
     */
    private record Counted<T>(Lane lane, int node, HttpClientContext context, FutureCallback<T> callback) implements FutureCallback<T> {
        @Override
        public void completed(T result) {
            lane.ended(node);
            callback.completed(result);
        }

        @Override
        public void failed(Exception cause) {
            lane.ended(node);
            callback.failed(MalformedOnReusedConnection.marked(UnsentOnBrokenConnection.marked(cause, context), context));
        }

        @Override
        public void cancelled() {
            lane.ended(node);
            callback.cancelled();
        }
    }
}
