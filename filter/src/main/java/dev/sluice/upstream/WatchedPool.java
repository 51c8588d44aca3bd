package dev.sluice.upstream;

import java.io.IOException;
import java.util.concurrent.Future;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.nio.AsyncClientConnectionManager;
import org.apache.hc.client5.http.nio.AsyncConnectionEndpoint;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.ConnectionInitiator;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * A lane's connection pool as HttpClient sees it: the pool itself, except that an exchange waiting
 * for a connection under a {@link PoolWait} hears the moment one is leased to it. Its deadline must
 * stop there: opening a new connection is bounded by the connect timeout, and a node that cannot be
 * reached must fail as such (retried elsewhere, counted against the node), not as a full pool.
 *
 * <p>HttpClient passes the exchange's user token as the lease's state; the lane sets it to the
 * exchange's {@code PoolWait} for the lease only (connection state is off, so no token is ever
 * kept with a connection), and the pool itself is asked with none.
 */
final class WatchedPool implements AsyncClientConnectionManager {
    private final AsyncClientConnectionManager pool;

    WatchedPool(AsyncClientConnectionManager pool) {
        this.pool = pool;
    }

    @Override
    public Future<AsyncConnectionEndpoint> lease(String id, HttpRoute route, Object state, Timeout requestTimeout,
            FutureCallback<AsyncConnectionEndpoint> callback) {
        if (!(state instanceof PoolWait<?> wait)) {
            return pool.lease(id, route, state, requestTimeout, callback);
        }
        return pool.lease(id, route, null, requestTimeout, new FutureCallback<>() {
            @Override
            public void completed(AsyncConnectionEndpoint endpoint) {
                if (wait.leased()) {
                    callback.completed(endpoint);
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
        pool.release(endpoint, newState, validDuration);
    }

    @Override
    public Future<AsyncConnectionEndpoint> connect(AsyncConnectionEndpoint endpoint, ConnectionInitiator connectionInitiator,
            Timeout connectTimeout, Object attachment, HttpContext context, FutureCallback<AsyncConnectionEndpoint> callback) {
        return pool.connect(endpoint, connectionInitiator, connectTimeout, attachment, context, callback);
    }

    @Override
    public void upgrade(AsyncConnectionEndpoint endpoint, Object attachment, HttpContext context) {
        pool.upgrade(endpoint, attachment, context);
    }

    @Override
    public void upgrade(AsyncConnectionEndpoint endpoint, Object attachment, HttpContext context,
            FutureCallback<AsyncConnectionEndpoint> callback) {
        pool.upgrade(endpoint, attachment, context, callback);
    }

    @Override
    public void close(CloseMode closeMode) {
        pool.close(closeMode);
    }

    @Override
    public void close() throws IOException {
        pool.close();
    }
}
