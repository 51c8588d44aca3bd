package dev.sluice.upstream;

import dev.sluice.config.Scheme;
import dev.sluice.config.UpstreamSettings;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * One upstream's connection pools on the filter's shared {@link IoThreads}, set up the way a
 * reverse proxy needs: pools sized far above HttpClient's defaults of 25 in all and 5 per node,
 * HTTP/1.1 so flow control is per connection, idle connections closed, and the upstream's own TLS,
 * connect and response timeouts.
 *
 * <p>The upstream runs one {@linkplain Lane lane} per shared I/O thread ({@code sluice.io-threads},
 * at most {@code pool.io-threads}): its own share of the pool on that thread's client. HttpClient
 * ties every connection to one I/O thread for life and its pool reuses the most recently released
 * connection first, so with one pool a few long exchanges could all land on one thread and cap the
 * upstream at one core while the others idled. Each exchange goes to the lane with the most room
 * for its node, which spreads both the work and the connections evenly over the I/O threads.
 */
public final class UpstreamClient implements Closeable {
    /**
     * How long a connection must have been idle to be trimmed as surplus. Long enough that a steady
     * but uneven load keeps its connections: at one second, an open load of 3,000 requests a second
     * (concurrency rising and falling with every collector pause) had 35-98 connections a second
     * closed and opened again, each a new handshake with the node and three fresh buffers; at ten
     * seconds, almost none.
     */
    private static final TimeValue TRIM_IDLE_AFTER = TimeValue.ofSeconds(10);

    private final Lane[] lanes;
    private final TimeValue idleTimeout;
    private final Duration poolWaitLimit;
    /** Each exchange's timeouts: the shared clients have none of their own. */
    private final RequestConfig requestConfig;
    /** The I/O threads this client started for itself, when it was given none to share; else {@code null}. */
    private final IoThreads own;

    /**
     * A client on I/O threads of its own, {@code pool.io-threads} of them, stopped with it.
     *
     * @param timer where the deadlines of exchanges waiting for a pooled connection run
     */
    UpstreamClient(UpstreamSettings settings, ScheduledExecutorService timer) {
        this(settings, timer, new IoThreads(settings.pool().ioThreads(), "sluice-" + settings.name()), true);
    }

    /**
     * @param timer where the deadlines of exchanges waiting for a pooled connection run
     * @param io the filter's I/O threads, which the upstream's lanes run on
     */
    UpstreamClient(UpstreamSettings settings, ScheduledExecutorService timer, IoThreads io) {
        this(settings, timer, io, false);
    }

    private UpstreamClient(UpstreamSettings settings, ScheduledExecutorService timer, IoThreads io, boolean owned) {
        this.own = owned ? io : null;
        this.idleTimeout = TimeValue.of(settings.pool().idleTimeout());
        this.poolWaitLimit = settings.timeouts().connect();
        this.requestConfig = RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(settings.timeouts().connect()))
                .setResponseTimeout(Timeout.of(settings.timeouts().response()))
                .setRedirectsEnabled(false)
                .setExpectContinueEnabled(false)
                .build();
        int count = laneCount(Math.min(io.size(), settings.pool().ioThreads()), settings.pool().maxConnections(),
                settings.pool().maxConnectionsPerNode());
        // One TLS context for all lanes: its stores are read once, and its session cache lets a
        // connection of one lane resume a session another lane negotiated.
        TlsStrategy tls = settings.scheme() == Scheme.HTTPS ? UpstreamTls.strategy(settings.name(), settings.tls()) : null;
        IoThreads.Profile profile = IoThreads.Profile.of(settings);
        int first = io.firstLane();
        this.lanes = new Lane[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = new Lane(settings, tls, i, count, timer, io, (first + i) % io.size(), profile);
        }
    }

    /**
     * One lane per shared I/O thread, up to {@code pool.io-threads}, but never more lanes than
     * connections allowed in all or to a node: each lane gets at least one of each.
     */
    static int laneCount(int ioThreads, int maxConnections, int maxConnectionsPerNode) {
        return Math.max(1, Math.min(ioThreads, Math.min(maxConnections, maxConnectionsPerNode)));
    }

    /** Lane {@code lane}'s part of {@code total} split over {@code lanes}: the parts add up to it. */
    static int share(int total, int lane, int lanes) {
        return total / lanes + (lane < total % lanes ? 1 : 0);
    }

    /**
     * Sends an exchange. One that finds every connection it may use busy waits for one at most
     * {@code connect-timeout}, then fails with a {@code ConnectionRequestTimeoutException}.
     *
     * @param node the node the request goes to (its address is the request's target)
     * @param clientSentUserAgent whether the client's request had a User-Agent; if not, none is sent
     */
    public <T> Future<T> execute(Node node, AsyncRequestProducer request, AsyncResponseConsumer<T> response,
            FutureCallback<T> callback, boolean clientSentUserAgent) {
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(requestConfig);
        if (!clientSentUserAgent) {
            context.setAttribute(IoThreads.NO_USER_AGENT, Boolean.TRUE);
        }
        return laneFor(node.index()).execute(node.index(), request, response, context, callback, poolWaitLimit);
    }

    /**
     * Sends an active health check and completes with its status (the body is discarded). The
     * connection it used closes after it: kept, every checked node would hold one pooled
     * connection (three read-buffer-sized buffers) between checks, and a gateway of 5,000 checked
     * nodes ran a 512 MiB heap out.
     */
    CompletableFuture<Integer> probe(Node node, String path, Timeout timeout) {
        BasicHttpRequest request = new BasicHttpRequest("GET", node.target(), path);
        request.setHeader("Host", node.hostHeader());
        request.setHeader("User-Agent", "sluice-health-check");
        request.setHeader("Connection", "close");
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom().setResponseTimeout(timeout).setConnectionRequestTimeout(timeout)
                .setRedirectsEnabled(false).build());
        CompletableFuture<Integer> status = new CompletableFuture<>();
        laneFor(node.index()).execute(node.index(), new BasicRequestProducer(request, null),
                new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()), context,
                new FutureCallback<Message<HttpResponse, Void>>() {
                    @Override
                    public void completed(Message<HttpResponse, Void> response) {
                        status.complete(response.getHead().getCode());
                    }

                    @Override
                    public void failed(Exception cause) {
                        status.completeExceptionally(cause);
                    }

                    @Override
                    public void cancelled() {
                        status.cancel(false);
                    }
                }, timeout.toDuration());
        return status;
    }

    /**
     * The lane with the most room left for the node, counting the node's share and the lane's
     * whole share. Ties go to the first lane, so that requests one at a time keep reusing the same
     * pooled connection instead of opening one per lane.
     */
    private Lane laneFor(int node) {
        Lane best = lanes[0];
        int bestRoom = best.room(node);
        for (int i = 1; i < lanes.length; i++) {
            int room = lanes[i].room(node);
            if (room > bestRoom) {
                best = lanes[i];
                bestRoom = room;
            }
        }
        return best;
    }

    /**
     * Run once a second by the filter's timer. Closes connections unused for {@code pool.idle-timeout}
     * and, once more than {@code pool.max-idle} sit idle, those unused for {@link #TRIM_IDLE_AFTER}:
     * the surplus of a burst goes within about eleven seconds instead of the whole idle timeout (each
     * pooled connection holds three buffers of {@code pool.read-buffer}), while a steady load keeps
     * what its peaks use. (HttpClient's own evictor would cost a thread per upstream for the first part.)
     */
    void trimIdle() {
        for (Lane lane : lanes) {
            lane.trimIdle(idleTimeout);
        }
    }

    /** A snapshot of the pools, added up over the lanes: leased, pending, available and maximum connections. */
    public PoolStats poolStats() {
        int leased = 0;
        int pending = 0;
        int available = 0;
        int max = 0;
        for (Lane lane : lanes) {
            PoolStats stats = lane.stats();
            leased += stats.getLeased();
            pending += stats.getPending();
            available += stats.getAvailable();
            max += stats.getMax();
        }
        return new PoolStats(leased, pending, available, max);
    }

    /**
     * Closes every connection, leased ones included, while the I/O threads still run: exchanges
     * still on them fail as for a reset (their clients are told) instead of hanging on a reactor
     * that stopped. The shared threads go on for the other upstreams; threads of its own stop after.
     * Closing a client at once instead raced its reactor threads, which logged a
     * ClosedSelectorException and left channels open.
     */
    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.close();
        }
        if (own != null) {
            own.close();
        }
    }

    /**
     * How often a lane's reactor wakes, busy or idle, to check its timers, which fire up to this
     * late: a twentieth of the upstream's shortest timeout (at most 5 % late), between 10 ms and a
     * second. HttpClient's fixed second would make a 500 ms timeout answer after a second; a fixed
     * 50 ms woke every idle lane twenty times a second, whatever its timeouts.
     */
    static TimeValue selectInterval(UpstreamSettings settings) {
        long shortest = Math.min(settings.timeouts().response().toMillis(), settings.timeouts().connect().toMillis());
        return TimeValue.ofMilliseconds(Math.max(10, Math.min(1_000, shortest / 20)));
    }

    /**
     * The upstream's part of one shared I/O thread: its share of the upstream's connections, in a
     * pool of its own, and a count of the exchanges it carries, in all and per node, which is what
     * the lane is chosen by. Its pool (and, if no other upstream started it, the shared thread's
     * client) is built on its first exchange: a gateway of a thousand upstreams, most idle at any
     * time, would otherwise hold a thousand pools for nothing.
     */
    private static final class Lane {
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
