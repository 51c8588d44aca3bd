package dev.sluice.upstream;

import dev.sluice.config.Scheme;
import dev.sluice.config.UpstreamSettings;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.hc.client5.http.config.RequestConfig;
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
     * and, once more than {@code pool.max-idle} sit idle, those unused for ten seconds ({@link Lane}):
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
}
