package dev.sluice.upstream;

import java.util.concurrent.Future;

import org.apache.hc.client5.http.EndpointInfo;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.nio.AsyncClientConnectionManager;
import org.apache.hc.client5.http.nio.AsyncConnectionEndpoint;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.nio.AsyncClientExchangeHandler;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.ConnectionInitiator;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The connection manager of a shared I/O thread's client: it owns no connection, it hands each
 * call to the pool of the upstream (and lane) the exchange belongs to, so that every upstream keeps
 * its own limits, TLS and timeouts while its connections live on the shared threads. The pool opens
 * its connections on whatever reactor the client passes to {@code connect}: the shared one.
 *
 * <p>HttpClient tells {@code lease} nothing of the exchange but its user token, so the lane sets it
 * to a {@link Ticket}: the pool, and for an exchange that found the pool full, its {@link PoolWait},
 * which hears the moment a connection is leased to it (its deadline must stop there: opening a new
 * connection is bounded by the connect timeout, and a node that cannot be reached must fail as such,
 * not as a full pool). The leased endpoint comes back {@linkplain Pooled wrapped}, so that
 * {@code release}, {@code connect} and {@code upgrade} find their pool. The pool itself is always asked
 * and given back connections with no state, so any lease may take any of its idle connections.
 */
final class PoolDispatch implements AsyncClientConnectionManager {

    /**
     * What a lease needs to know: the upstream lane's pool and, if the exchange waits, its
     * deadline. A plain class: HttpClient may compare or print a user token, and a record's
     * generated methods, bootstrapped through the JDK's method handles, can keep an undeployed
     * application's class loader reachable.
     */
    static final class Ticket {
        private final AsyncClientConnectionManager pool;
        private final PoolWait<?> poolWait;

        Ticket(AsyncClientConnectionManager pool, PoolWait<?> poolWait) {
            this.pool = pool;
            this.poolWait = poolWait;
        }

        AsyncClientConnectionManager pool() {
            return pool;
        }

        PoolWait<?> poolWait() {
            return poolWait;
        }
    }

    @Override
    public Future<AsyncConnectionEndpoint> lease(String id, HttpRoute route, Object state, Timeout requestTimeout,
            FutureCallback<AsyncConnectionEndpoint> callback) {
        if (!(state instanceof Ticket ticket)) {
            throw new IllegalStateException("an exchange on the shared I/O threads without its upstream's pool");
        }
        AsyncClientConnectionManager pool = ticket.pool();
        PoolWait<?> wait = ticket.poolWait();
        return pool.lease(id, route, null, requestTimeout, new FutureCallback<>() {
            @Override
            public void completed(AsyncConnectionEndpoint endpoint) {
                if (wait == null || wait.leased()) {
                    callback.completed(new Pooled(pool, endpoint));
                } else {
                    // The deadline answered first: the connection goes back unused.
                    pool.release(endpoint, null, TimeValue.ZERO_MILLISECONDS);
                    callback.failed(new ConnectionRequestTimeoutException("leased after the wait was over"));
                }
            }

            @Override
            public void failed(Exception cause) {
                callback.failed(cause);
            }

            @Override
            public void cancelled() {
                callback.cancelled();
            }
        });
    }

    @Override
    public void release(AsyncConnectionEndpoint endpoint, Object newState, TimeValue validDuration) {
        Pooled pooled = (Pooled) endpoint;
        pooled.pool.release(pooled.endpoint, null, validDuration);
    }

    @Override
    public Future<AsyncConnectionEndpoint> connect(AsyncConnectionEndpoint endpoint, ConnectionInitiator connectionInitiator,
            Timeout connectTimeout, Object attachment, HttpContext context, FutureCallback<AsyncConnectionEndpoint> callback) {
        Pooled pooled = (Pooled) endpoint;
        return pooled.pool.connect(pooled.endpoint, connectionInitiator, connectTimeout, attachment, context, pooled.relay(callback));
    }

    @Override
    public void upgrade(AsyncConnectionEndpoint endpoint, Object attachment, HttpContext context) {
        Pooled pooled = (Pooled) endpoint;
        pooled.pool.upgrade(pooled.endpoint, attachment, context);
    }

    @Override
    public void upgrade(AsyncConnectionEndpoint endpoint, Object attachment, HttpContext context,
            FutureCallback<AsyncConnectionEndpoint> callback) {
        Pooled pooled = (Pooled) endpoint;
        pooled.pool.upgrade(pooled.endpoint, attachment, context, pooled.relay(callback));
    }

    /** The pools are the upstreams' and close with them; the client closing has nothing of its own to close. */
    @Override
    public void close(CloseMode closeMode) {
    }

    @Override
    public void close() {
    }

    /** A connection leased from an upstream's pool, which it goes back to. */
    private static final class Pooled extends AsyncConnectionEndpoint {
        private final AsyncClientConnectionManager pool;
        private final AsyncConnectionEndpoint endpoint;

        Pooled(AsyncClientConnectionManager pool, AsyncConnectionEndpoint endpoint) {
            this.pool = pool;
            this.endpoint = endpoint;
        }

        /** Passes the pool's verdict on, about this wrapper rather than the pool's own endpoint. */
        FutureCallback<AsyncConnectionEndpoint> relay(FutureCallback<AsyncConnectionEndpoint> callback) {
            return new FutureCallback<>() {
                @Override
                public void completed(AsyncConnectionEndpoint result) {
                    if (callback != null) {
                        callback.completed(Pooled.this);
                    }
                }

                @Override
                public void failed(Exception cause) {
                    if (callback != null) {
                        callback.failed(cause);
                    }
                }

                @Override
                public void cancelled() {
                    if (callback != null) {
                        callback.cancelled();
                    }
                }
            };
        }

        @Override
        public void execute(String id, AsyncClientExchangeHandler exchangeHandler, HandlerFactory<AsyncPushConsumer> pushHandlerFactory,
                HttpContext context) {
            UnsentOnBrokenConnection.handedOver(context);
            endpoint.execute(id, exchangeHandler, pushHandlerFactory, context);
        }

        @Override
        public boolean isConnected() {
            return endpoint.isConnected();
        }

        @Override
        public void setSocketTimeout(Timeout timeout) {
            endpoint.setSocketTimeout(timeout);
        }

        @Override
        public EndpointInfo getInfo() {
            return endpoint.getInfo();
        }

        @Override
        public void close(CloseMode closeMode) {
            endpoint.close(closeMode);
        }

        @Override
        public String toString() {
            return endpoint.toString();
        }
    }
}
