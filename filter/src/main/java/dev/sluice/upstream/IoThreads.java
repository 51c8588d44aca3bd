package dev.sluice.upstream;

import dev.sluice.config.UpstreamSettings;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;

/**
 * A filter's I/O threads, shared by all its upstreams: {@code sluice.io-threads} lanes, each an
 * HttpClient with one I/O thread whose connection manager ({@link PoolDispatch}) hands every lease to
 * the pool of the upstream the exchange belongs to. So the threads do not grow with the upstreams,
 * while each upstream keeps its own pools (limits, TLS, connect and idle settings) and timeouts.
 *
 * <p>Two things HttpClient keeps per client, not per connection: the HTTP/1.1 buffers (the read
 * buffer {@code pool.read-buffer} and the first window {@code response-buffer}) and how often the
 * reactor checks its timers (from the upstream's timeouts). Upstreams that differ in them get
 * lanes of their own, one set per {@link Profile}: with the defaults, or any one choice, that is
 * one set for all. The check interval is rounded down to a step of a halving ladder (1000, 500,
 * 250, ... ms) so that timeouts that differ a little share lanes and still fire at most a twentieth late.
 *
 * <p>A lane's client starts with its first exchange, so an idle filter holds no I/O thread.
 * HttpClient starts each reactor from an executor thread that then idles: two threads a lane.
 */
public final class IoThreads implements Closeable {
    /** A context attribute: the client's request had no User-Agent, so none is sent. */
    static final String NO_USER_AGENT = "dev.sluice.no-user-agent";

    private final int size;
    private final String prefix;
    /** Where the next upstream's first lane goes. */
    private final AtomicInteger nextFirst = new AtomicInteger();
    /** Each profile's lanes, in the order the profiles were first used; guarded by this. */
    private final Map<Profile, CloseableHttpAsyncClient[]> clients = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param size the number of lanes (and I/O threads) of each profile
     * @param prefix the I/O threads' names begin with it: {@code <prefix>-lane<i>-<n>}
     */
    public IoThreads(int size, String prefix) {
        if (size < 1) {
            throw new IllegalArgumentException("I/O threads: " + size + ", at least 1 needed");
        }
        this.size = size;
        this.prefix = prefix;
    }

    /** The I/O threads unless configured: one per core, as HttpClient has, but at most four. */
    public static int defaultSize() {
        return Math.min(Runtime.getRuntime().availableProcessors(), 4);
    }

    /** How many lanes a profile has. */
    public int size() {
        return size;
    }

    /**
     * The shared lane an upstream's first lane is: each upstream starts one further, so that
     * upstreams with light traffic, which keep to their first lane, are spread over the threads.
     */
    int firstLane() {
        return Math.floorMod(nextFirst.getAndIncrement(), size);
    }

    /** The client of shared lane {@code lane} for upstreams of this profile, built and started on first use. */
    synchronized CloseableHttpAsyncClient client(int lane, Profile profile) {
        if (closed) {
            throw new IllegalStateException("the filter's I/O threads are stopped");
        }
        CloseableHttpAsyncClient[] lanes = clients.computeIfAbsent(profile, p -> new CloseableHttpAsyncClient[size]);
        if (lanes[lane] == null) {
            int profileIndex = 0;
            for (Profile known : clients.keySet()) {
                if (known.equals(profile)) {
                    break;
                }
                profileIndex++;
            }
            String name = prefix + (profileIndex == 0 ? "" : "-p" + profileIndex) + "-lane" + lane;
            lanes[lane] = start(name, profile);
        }
        return lanes[lane];
    }

    /** The I/O threads started so far (two per lane started). */
    public synchronized int started() {
        int started = 0;
        for (CloseableHttpAsyncClient[] lanes : clients.values()) {
            for (CloseableHttpAsyncClient lane : lanes) {
                started += lane == null ? 0 : 2;
            }
        }
        return started;
    }

    /**
     * Stops every lane. The upstreams' pools close first (their exchanges fail as for a reset
     * while the reactors still run), so a lane's own graceful shutdown finds nothing to wait for.
     */
    @Override
    public void close() {
        List<CloseableHttpAsyncClient> running = new ArrayList<>();
        synchronized (this) {
            closed = true;
            clients.values().forEach(lanes -> {
                for (CloseableHttpAsyncClient lane : lanes) {
                    if (lane != null) {
                        running.add(lane);
                    }
                }
            });
            clients.clear();
        }
        running.forEach(client -> client.close(CloseMode.GRACEFUL));
    }

    /**
     * Set up the way a reverse proxy needs: no retries (ours are counted and go to another node), no
     * redirects, no cookies, no authentication step, no decompression (bodies pass byte for byte).
     * Timeouts come with each exchange's request configuration, pools with its {@link PoolDispatch.Ticket}.
     */
    private static CloseableHttpAsyncClient start(String name, Profile profile) {
        CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(new PoolDispatch())
                .setIOReactorConfig(IOReactorConfig.custom()
                        .setIoThreadCount(1)
                        .setSelectInterval(TimeValue.ofMilliseconds(profile.selectMillis()))
                        .build())
                .setThreadFactory(LaneThread.factory(name))
                .setIoSessionDecorator(ReactorLocalEvents::decorate)
                .setHttp1Config(Http1Config.custom().setBufferSize(profile.readBuffer()).setInitialWindowSize(profile.window()).build())
                .setDefaultRequestConfig(RequestConfig.custom().setRedirectsEnabled(false).setExpectContinueEnabled(false).build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .disableContentCompression()
                .replaceExecInterceptor(ChainElement.PROTOCOL.name(), IoThreads::withoutAuthentication)
                // HttpClient adds its own User-Agent to requests without one; a proxy must not.
                .addRequestInterceptorLast((request, entity, context) -> {
                    if (context.getAttribute(NO_USER_AGENT) != null) {
                        request.removeHeaders("User-Agent");
                    }
                })
                .build();
        client.start();
        return client;
    }

    /**
     * Stands in for HttpClient's protocol step, which serves HTTP authentication: for every request
     * it parsed the target into a path prefix with a {@code URIBuilder} and looked up
     * authentication state, 6.6 % of all bytes allocated under the saturation benchmark,
     * for credentials Sluice never has. What else the step did is done already: every request
     * carries its node's scheme and authority. CONNECT is refused, as HttpClient does.
     */
    private static void withoutAuthentication(HttpRequest request, AsyncEntityProducer entity, AsyncExecChain.Scope scope,
            AsyncExecChain chain, AsyncExecCallback callback) throws HttpException, IOException {
        if (Method.CONNECT.isSame(request.getMethod())) {
            throw new ProtocolException("Direct execution of CONNECT is not allowed");
        }
        chain.proceed(request, entity, scope, callback);
    }

    /**
     * What an upstream needs of the client its lanes share: HTTP/1.1 read buffer and first window,
     * and the reactor's timer check interval in milliseconds. A plain class, not a record: a
     * record's generated {@code equals} and {@code hashCode} are bootstrapped through the JDK's
     * method handles, whose caches kept an undeployed application's class loader reachable.
     */
    static final class Profile {
        private final int readBuffer;
        private final int window;
        private final long selectMillis;

        Profile(int readBuffer, int window, long selectMillis) {
            this.readBuffer = readBuffer;
            this.window = window;
            this.selectMillis = selectMillis;
        }

        int readBuffer() {
            return readBuffer;
        }

        int window() {
            return window;
        }

        long selectMillis() {
            return selectMillis;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Profile that && that.readBuffer == readBuffer && that.window == window
                    && that.selectMillis == selectMillis;
        }

        @Override
        public int hashCode() {
            return (readBuffer * 31 + window) * 31 + Long.hashCode(selectMillis);
        }

        static Profile of(UpstreamSettings settings) {
            return new Profile(settings.pool().readBuffer(), settings.responseBuffer(),
                    ladderStep(UpstreamClient.selectInterval(settings).toMilliseconds()));
        }

        /** The largest of 1000, 500, 250, 125, 62, 31, 15 and 10 ms not above {@code millis} (10 at least). */
        static long ladderStep(long millis) {
            long step = 1_000;
            while (step > millis && step / 2 >= 10) {
                step /= 2;
            }
            return Math.max(10, Math.min(step, millis));
        }
    }
}
