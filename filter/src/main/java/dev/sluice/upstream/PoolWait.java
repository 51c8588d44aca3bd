package dev.sluice.upstream;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;

/**
 * The deadline of an exchange that found its lane's pool full: if no connection is leased to it
 * within {@code connect-timeout}, the exchange is cancelled and fails with a
 * {@link ConnectionRequestTimeoutException} (503 with {@code Retry-After: 1}).
 *
 * <p>HttpClient's async pool checks a waiting lease's deadline only when some connection is
 * released or leased. A pool whose connections are all held by slow exchanges releases none for as
 * long as the slowest takes, so the waiting request waited that long and was then refused with the
 * freed connection in hand.
 *
 * <p>The lease and the deadline race for one state change, so a request is either sent or
 * refused, never both: a request the client was told to send again cannot have reached the node.
 * The wrapped callback hears exactly one verdict.
 */
public final class PoolWait<T> implements FutureCallback<T>, Runnable {
    private static final int WAITING = 0;
    private static final int LEASED = 1;
    private static final int DONE = 2;

    private final FutureCallback<T> callback;
    private final Duration limit;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private volatile Future<T> call;
    private volatile ScheduledFuture<?> deadline;

    /** @param limit how long the exchange may wait for a connection */
    PoolWait(FutureCallback<T> callback, Duration limit) {
        this.callback = callback;
        this.limit = limit;
    }

    /** Starts the clock on the exchange HttpClient runs as {@code call}. */
    void watch(Future<T> call, ScheduledExecutorService timer) {
        this.call = call;
        ScheduledFuture<?> scheduled;
        try {
            scheduled = timer.schedule(this, limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The filter is closing, and with it the pool: the exchange ends with it.
            return;
        }
        deadline = scheduled;
        if (state.get() != WAITING) {
            scheduled.cancel(false);
        }
    }

    /**
     * A connection was leased to the exchange.
     *
     * @return whether it may be sent: {@code false} once the deadline has refused it
     */
    boolean leased() {
        boolean sent = state.compareAndSet(WAITING, LEASED);
        stopClock();
        return sent;
    }

    /** The deadline passed. */
    @Override
    public void run() {
        if (state.compareAndSet(WAITING, DONE)) {
            Future<T> running = call;
            if (running != null) {
                running.cancel(true);
            }
            callback.failed(new ConnectionRequestTimeoutException("no pooled connection free within " + limit.toMillis() + " ms"));
        }
    }

    @Override
    public void completed(T result) {
        if (verdict()) {
            callback.completed(result);
        }
    }

    @Override
    public void failed(Exception cause) {
        if (verdict()) {
            callback.failed(cause);
        }
    }

    @Override
    public void cancelled() {
        if (verdict()) {
            callback.cancelled();
        }
    }

    /** Whether HttpClient's verdict is the one to pass on: not when the deadline already gave one. */
    private boolean verdict() {
        boolean first = state.getAndSet(DONE) != DONE;
        stopClock();
        return first;
    }

    private void stopClock() {
        ScheduledFuture<?> scheduled = deadline;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }
}
