package dev.sluice.forwarding;

import dev.sluice.upstream.MalformedOnReusedConnection;
import dev.sluice.upstream.PoolWait;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.util.DeadlineTimeoutException;

/**
 * Why an upstream exchange failed: its {@link Kind}, which says whether it counts against the
 * node and whether the request may go again, and the status the client gets for it when nothing
 * was sent yet: 504 for a timeout, 503 when the pool had no connection to lend in time, 502 for
 * everything else (refused or reset connections, malformed responses).
 *
 * @param upstream the upstream's name
 * @param node the node's address, or {@code null} when no node was chosen
 * @param exception the cause
 * @param kind what sort of failure it is
 * @param status the status to answer with
 * @param retryAfterSeconds a Retry-After value to send, or 0 for none
 */
public record UpstreamFailure(String upstream, String node, Exception exception, Kind kind, int status, int retryAfterSeconds) {

    /** What sort of failure, as far as the node's health and another attempt are concerned. */
    public enum Kind {
        /**
         * A pooled connection the node had closed: the request never left, so it may be sent again
         * on a fresh connection to the same node ({@link #mayResendOnSameNode}). Once such resends
         * are used up it is an I/O failure like any other.
         */
        STALE_CONNECTION,
        /** No pooled connection came in time: nothing was sent, and it says nothing about the node. */
        POOL_WAIT,
        /** The connection never opened (refused, connect timeout, unknown host, no route): safe to send elsewhere. */
        NOT_CONNECTED,
        /** An I/O failure once connected (reset, read timeout): the request may have been processed. */
        IO,
        /**
         * A malformed answer on a pooled connection used before ({@link MalformedOnReusedConnection}):
         * likely bytes the node left after its previous answer there. An idempotent request may go
         * again to the same node on another connection ({@link #mayResendOnSameNode}); otherwise
         * it is a malformed response like any other.
         */
        MALFORMED_ON_REUSED,
        /** Anything else (a malformed response, a cancelled exchange): not the node's I/O, never retried. */
        OTHER,
        /** Not the upstream's doing: the client stalled, or its body ended short. */
        CLIENT,
        /** No node could be sent the request. */
        NO_NODE;

        /** Each kind's name as metrics and the access log show it, made once: the hot path only reads. */
        private static final String[] TAGS = java.util.Arrays.stream(values())
                .map(kind -> kind.name().toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new);

        /** The lower-case name ({@code not_connected}). */
        public String tag() {
            return TAGS[ordinal()];
        }

        /** Whether the failure counts against the node's health (unless the client had gone by then). */
        public boolean countsAgainstNode() {
            return this == STALE_CONNECTION || this == NOT_CONNECTED || this == IO;
        }

        /**
         * Whether another node may be sent the request: always when it never reached one, after
         * any other I/O failure only if processing it twice is harmless.
         *
         * @param idempotent whether the request may be processed more than once
         */
        public boolean mayRetry(boolean idempotent) {
            return this == NOT_CONNECTED || idempotent && (this == IO || this == STALE_CONNECTION);
        }

        /**
         * Whether the request may go again to the same node, on another connection: it never left,
         * or its answer was lost behind bytes left from an earlier one and processing it twice is
         * harmless.
         *
         * @param idempotent whether the request may be processed more than once
         */
        public boolean mayResendOnSameNode(boolean idempotent) {
            return this == STALE_CONNECTION || idempotent && this == MALFORMED_ON_REUSED;
        }
    }

    /** The kind of failure an exception from an attempt stands for. */
    static Kind classify(Throwable cause) {
        if (causedBy(cause, RequestNotExecutedException.class)) {
            return Kind.STALE_CONNECTION;
        }
        if (causedBy(cause, MalformedOnReusedConnection.class)) {
            return Kind.MALFORMED_ON_REUSED;
        }
        if (waitedForPool(cause)) {
            return Kind.POOL_WAIT;
        }
        if (neverConnected(cause)) {
            return Kind.NOT_CONNECTED;
        }
        return causedBy(cause, IOException.class) ? Kind.IO : Kind.OTHER;
    }

    /** An attempt's failure, of the kind {@link #classify} finds. */
    static UpstreamFailure of(String upstream, String node, Exception exception) {
        return of(upstream, node, exception, classify(exception));
    }

    static UpstreamFailure of(String upstream, String node, Exception exception, Kind kind) {
        if (waitedForPool(exception)) {
            return new UpstreamFailure(upstream, node, exception, kind, 503, 1);
        }
        if (causedBy(exception, InterruptedIOException.class) || causedBy(exception, TimeoutException.class)) {
            return new UpstreamFailure(upstream, node, exception, kind, 504, 0);
        }
        return new UpstreamFailure(upstream, node, exception, kind, 502, 0);
    }

    static UpstreamFailure allDown(String upstream, long retryAfterSeconds) {
        return new UpstreamFailure(upstream, null, new IllegalStateException("every node is out of rotation"),
                Kind.NO_NODE, 503, (int) Math.min(Integer.MAX_VALUE, retryAfterSeconds));
    }

    static UpstreamFailure noNode(String upstream) {
        return new UpstreamFailure(upstream, null, new IllegalStateException("no node can take traffic"), Kind.NO_NODE, 503, 1);
    }

    /**
     * Whether the attempt's connection timed out while reading or writing, not while opening:
     * when the exchange was waiting for the client then, the client stalled it ({@link #clientStalled}).
     */
    static boolean timedOutWhileConnected(Throwable cause) {
        return causedBy(cause, SocketTimeoutException.class) && !neverConnected(cause);
    }

    /**
     * Not an upstream's failure: the upstream's timeout ran out while the exchange waited for the
     * client, which stopped sending its body (408) or reading the response (504 if nothing of it
     * was sent yet; usually the response has started, and the connection is cut).
     *
     * @param sending whether the client stalled sending its body, rather than reading
     */
    static UpstreamFailure clientStalled(String upstream, Exception timeout, boolean sending) {
        return sending
                ? new UpstreamFailure(upstream, null, new IOException("the client sent no more of its request body within the"
                        + " upstream's timeout", timeout), Kind.CLIENT, 408, 0)
                : new UpstreamFailure(upstream, null, new IOException("the client read nothing more of the response within the"
                        + " upstream's timeout", timeout), Kind.CLIENT, 504, 0);
    }

    /** Not an upstream's failure: the request's body ended short of its declared length before anything was sent. */
    static UpstreamFailure requestBodyShort(String upstream, long received, long declared) {
        return new UpstreamFailure(upstream, null, new IOException("not forwarded: the request body ended after " + received
                + " of its " + declared + " declared bytes (read by something before Sluice?)"), Kind.CLIENT, 500, 0);
    }

    /**
     * Whether the exchange failed waiting for a pooled connection: refused by its
     * {@link PoolWait}, or by the pool's own deadline check. Nothing was sent, and it says
     * nothing about the node.
     */
    public static boolean waitedForPool(Throwable failure) {
        return causedBy(failure, ConnectionRequestTimeoutException.class) || causedBy(failure, DeadlineTimeoutException.class);
    }

    private static boolean neverConnected(Throwable cause) {
        return causedBy(cause, ConnectException.class) || causedBy(cause, ConnectTimeoutException.class)
                || causedBy(cause, UnknownHostException.class) || causedBy(cause, NoRouteToHostException.class);
    }

    /** Whether the failure or any of its causes is of this type. */
    public static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "upstream '" + upstream + "'" + (node == null ? "" : " node " + node) + " failed: " + exception;
    }
}
