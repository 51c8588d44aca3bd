package dev.sluice.forwarding;

import dev.sluice.health.UpstreamHealth;
import dev.sluice.upstream.Upstream;

/**
 * What an attempt tells of its node, passed on to the upstream's passive health and the node's
 * counters: an answer by its status (and a 503's {@code Retry-After}), or a failure that counts
 * against the node. Stateless: the exchange knows its current node and calls here.
 */
final class NodeVerdict {
    private NodeVerdict() {
    }

    /** The node answered with this status; {@code retryAfter} is the answer's header, or {@code null}. */
    static void answered(Upstream upstream, int node, int status, String retryAfter) {
        UpstreamHealth health = upstream.health();
        // Only 503: a 429 is about one client's calls (RFC 6585), and ejecting the node for it would
        // let one client over its quota take the node away from everyone.
        long seconds = status == 503 && retryAfter != null ? seconds(retryAfter) : -1;
        if (seconds > 0) {
            health.retryAfter(node, seconds);
            upstream.counters().nodeFailed(node);
        } else if (health.isFailure(status)) {
            failed(upstream, node);
        } else {
            health.succeeded(node);
            upstream.counters().nodeSucceeded(node);
        }
    }

    /** The attempt failed in a way that counts against its node. */
    static void failed(Upstream upstream, int node) {
        upstream.health().failed(node);
        upstream.counters().nodeFailed(node);
    }

    /** A Retry-After in seconds; an HTTP-date or anything else gives -1. */
    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
