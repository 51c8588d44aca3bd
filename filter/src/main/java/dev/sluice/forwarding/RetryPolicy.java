package dev.sluice.forwarding;

import dev.sluice.config.RetrySettings;
import dev.sluice.health.UpstreamHealth;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.Upstream;

import java.util.BitSet;
import java.util.Set;

/**
 * When a failed attempt may go again, and to which node. Stateless: the exchange keeps its own
 * count of attempts and the nodes it tried, so a request costs no object of this class.
 */
final class RetryPolicy {
    /** RFC 9110 §9.2.2. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

    private RetryPolicy() {
    }

    /**
     * Whether a failed attempt may go to an untried node, given that nothing of its response has
     * arrived, the client is still there and the body can be sent again: while attempts and time
     * are left, and the request may have been processed at most once: a connection that never
     * opened is always safe; any other I/O failure only for idempotent methods, or with an
     * {@code Idempotency-Key} where configured. A request that waited for a pooled connection has
     * used its time: its 503 tells the client when to come back.
     *
     * @param elapsedNanos time since the request arrived
     * @param attemptsLeft attempts the settings still allow
     * @param untriedLeft whether the upstream has a node this request was not sent to yet
     */
    static boolean mayRetry(UpstreamFailure.Kind kind, String method, boolean hasIdempotencyKey, RetrySettings retry,
            long elapsedNanos, int attemptsLeft, boolean untriedLeft) {
        if (attemptsLeft <= 0 || !untriedLeft) {
            return false;
        }
        if (retry.deadline() != null && elapsedNanos > retry.deadline().toNanos()) {
            return false;
        }
        return kind.mayRetry(idempotent(method, hasIdempotencyKey, retry));
    }

    /** Whether the request may be processed more than once: by its method, or by its key where configured. */
    static boolean idempotent(String method, boolean hasIdempotencyKey, RetrySettings retry) {
        return IDEMPOTENT.contains(method) || retry.nonIdempotentWithKey() && hasIdempotencyKey;
    }

    /**
     * The node for the next attempt: one not tried yet and not out of rotation or, with fail-open
     * and every such node out, any untried one.
     *
     * @return the node, or {@code null} when there is none
     */
    static Node nextNode(Upstream upstream, String clientAddress, BitSet tried) {
        UpstreamHealth health = upstream.health();
        BitSet excluded = tried;
        if (health.anyEjected()) {
            excluded = (BitSet) tried.clone();
            health.excludeEjected(excluded);
        }
        Node node = upstream.pick(clientAddress, excluded);
        if (node == null && excluded != tried && health.failOpen()) {
            node = upstream.pick(clientAddress, tried);
        }
        return node;
    }
}
