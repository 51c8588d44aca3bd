package dev.sluice.forwarding;

import dev.sluice.upstream.PoolWait;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeoutException;

import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.util.DeadlineTimeoutException;

/**
 * Why an upstream exchange failed, and the status the client gets for it when nothing was sent
 * yet: 504 for a timeout, 503 when the pool had no connection to lend in time, 502 for everything
 * else (refused or reset connections, malformed responses).
 *
 * @param upstream the upstream's name
 * @param node the node's address, or {@code null} when no node was chosen
 * @param exception the cause
 * @param status the status to answer with
 * @param reason the status's reason phrase, for the short body
 * @param retryAfterSeconds a Retry-After value to send, or 0 for none
 */
public record UpstreamFailure(String upstream, String node, Exception exception, int status, String reason, int retryAfterSeconds) {

    static UpstreamFailure of(String upstream, String node, Exception exception) {
        if (waitedForPool(exception)) {
            return new UpstreamFailure(upstream, node, exception, 503, "Service Unavailable", 1);
        }
        if (causedBy(exception, InterruptedIOException.class) || causedBy(exception, TimeoutException.class)) {
            return new UpstreamFailure(upstream, node, exception, 504, "Gateway Timeout", 0);
        }
        return new UpstreamFailure(upstream, node, exception, 502, "Bad Gateway", 0);
    }

    static UpstreamFailure allDown(String upstream, long retryAfterSeconds) {
        return new UpstreamFailure(upstream, null, new IllegalStateException("every node is out of rotation"),
                503, "Service Unavailable", (int) Math.min(Integer.MAX_VALUE, retryAfterSeconds));
    }

    static UpstreamFailure noNode(String upstream) {
        return new UpstreamFailure(upstream, null, new IllegalStateException("no node can take traffic"),
                503, "Service Unavailable", 1);
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
                        + " upstream's timeout", timeout), 408, "Request Timeout", 0)
                : new UpstreamFailure(upstream, null, new IOException("the client read nothing more of the response within the"
                        + " upstream's timeout", timeout), 504, "Gateway Timeout", 0);
    }

    /** Not an upstream's failure: the request's body ended short of its declared length before anything was sent. */
    static UpstreamFailure requestBodyShort(String upstream, long received, long declared) {
        return new UpstreamFailure(upstream, null, new IOException("not forwarded: the request body ended after " + received
                + " of its " + declared + " declared bytes (read by something before Sluice?)"), 500, "Internal Server Error", 0);
    }

    /**
     * Whether the exchange failed waiting for a pooled connection: refused by its
     * {@link PoolWait}, or by the pool's own deadline check. Nothing was sent, and it says
     * nothing about the node.
     */
    public static boolean waitedForPool(Throwable failure) {
        return causedBy(failure, ConnectionRequestTimeoutException.class) || causedBy(failure, DeadlineTimeoutException.class);
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
