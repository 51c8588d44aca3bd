package dev.sluice.forwarding;

import dev.sluice.config.Scheme;
import dev.sluice.config.UpstreamSettings;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HttpClient 5 async client and connection pool of one upstream, set up the way a reverse
 * proxy needs: no retries (ours are counted and go to another node), no redirects, no cookies, no
 * decompression (bodies pass byte for byte), HTTP/1.1 so flow control is per connection, pools sized
 * far above HttpClient's defaults of 25 in all and 5 per node, and idle connections evicted.
 */
public final class UpstreamClient implements Closeable {
    /**
     * Timers fire up to one select interval late; HttpClient's default of a second would make a
     * 500 ms timeout answer after a second.
     */
    private static final TimeValue SELECT_INTERVAL = TimeValue.ofMilliseconds(50);
    /**
     * Bytes read from an upstream socket at once. HttpClient's 8 KiB made a 10 MiB body take
     * 1280 reads and hand-offs; 32 KiB halved the cost per byte in the benchmark (docs/benchmarks.md).
     */
    private static final int READ_BUFFER = 32 * 1024;
    private static final String NO_USER_AGENT = "dev.sluice.no-user-agent";

    /** How long a connection must have been idle to be trimmed as surplus. */
    private static final TimeValue TRIM_IDLE_AFTER = TimeValue.ofSeconds(1);

    private final PoolingAsyncClientConnectionManager pool;
    private final int maxIdle;
    private final TimeValue idleTimeout;
    private final CloseableHttpAsyncClient client;

    UpstreamClient(UpstreamSettings settings) {
        this.maxIdle = settings.maxIdleConnections();
        this.idleTimeout = TimeValue.of(settings.idleTimeout());
        Timeout connectTimeout = Timeout.of(settings.connectTimeout());
        Timeout timeout = Timeout.of(settings.timeout());
        PoolingAsyncClientConnectionManagerBuilder poolBuilder = PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(settings.maxConnections())
                .setMaxConnPerRoute(settings.maxConnectionsPerNode())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connectTimeout)
                        .setSocketTimeout(timeout)
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build());
        if (settings.scheme() == Scheme.HTTPS) {
            poolBuilder.setTlsStrategy(UpstreamTls.strategy(settings.name(), settings.tls()))
                    .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build());
        }
        this.pool = poolBuilder.build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(pool)
                .setIOReactorConfig(IOReactorConfig.custom().setSelectInterval(SELECT_INTERVAL).build())
                .setHttp1Config(Http1Config.custom().setBufferSize(READ_BUFFER).setInitialWindowSize(settings.responseBuffer()).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connectTimeout)
                        .setResponseTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setExpectContinueEnabled(false)
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .disableContentCompression()
                // HttpClient adds its own User-Agent to requests without one; a proxy must not.
                .addRequestInterceptorLast((request, entity, context) -> {
                    if (context.getAttribute(NO_USER_AGENT) != null) {
                        request.removeHeaders("User-Agent");
                    }
                })
                .build();
        client.start();
    }

    /**
     * @param clientSentUserAgent whether the client's request had a User-Agent; if not, none is sent
     */
    <T> Future<T> execute(AsyncRequestProducer request, AsyncResponseConsumer<T> response, FutureCallback<T> callback,
            boolean clientSentUserAgent) {
        HttpClientContext context = HttpClientContext.create();
        if (!clientSentUserAgent) {
            context.setAttribute(NO_USER_AGENT, Boolean.TRUE);
        }
        return client.execute(request, response, null, context, callback);
    }

    /** Sends an active health check and completes with its status (the body is discarded). */
    CompletableFuture<Integer> probe(Node node, String path, Timeout timeout) {
        BasicHttpRequest request = new BasicHttpRequest("GET", node.target(), path);
        request.setHeader("Host", node.hostHeader());
        request.setHeader("User-Agent", "sluice-health-check");
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom().setResponseTimeout(timeout).setConnectionRequestTimeout(timeout).build());
        CompletableFuture<Integer> status = new CompletableFuture<>();
        client.execute(new BasicRequestProducer(request, null), new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()),
                null, context, new FutureCallback<Message<HttpResponse, Void>>() {
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
                });
        return status;
    }

    /**
     * Run once a second by the filter's timer. Closes connections unused for {@code pool.idle-timeout}
     * and, once more than {@code pool.max-idle} sit idle, those unused for a second: the surplus
     * of a burst goes within about two seconds (each pooled connection holds three buffers of
     * {@link #READ_BUFFER}), while a steady load, which reuses its connections all the time, keeps
     * them. (HttpClient's own evictor would cost a thread per upstream for the first part.)
     */
    void trimIdle() {
        pool.closeExpired();
        pool.closeIdle(idleTimeout);
        if (pool.getTotalStats().getAvailable() > maxIdle) {
            pool.closeIdle(TRIM_IDLE_AFTER);
        }
    }

    /** A snapshot of the pool: leased, pending, available and maximum connections. */
    public PoolStats poolStats() {
        return pool.getTotalStats();
    }

    /**
     * Closes every connection, then the client. The pool goes first, leased connections included,
     * while the I/O reactor still runs: exchanges still on them fail as for a reset (their clients
     * are told) instead of hanging on a reactor that stopped, and the client's own shutdown then
     * finds nothing to wait for. Closing the client at once instead raced its reactor threads,
     * which logged a ClosedSelectorException and left channels open.
     */
    @Override
    public void close() {
        pool.close(CloseMode.IMMEDIATE);
        client.close(CloseMode.GRACEFUL);
    }
}
