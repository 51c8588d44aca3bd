package dev.sluice.tunnel;

import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.tracing.Tracing;
import dev.sluice.upstream.Node;

import org.apache.hc.core5.http.HttpRequest;

/**
 * One handshake as observers and tracing see a request: an outcome record (access log, metrics)
 * that goes out once the client has its answer (the node's 101, a relayed refusal, or Sluice's
 * own), and each attempt a client span of the span current as the filter runs. The tunnel's life
 * after the 101 is not part of the record: its time would read as the request's latency.
 */
final class ObservedHandshake {
    private final ExchangeRecord record;
    private final Tracing.Parent trace;
    private Attempt attempt;
    private Tracing.ClientSpan span;

    /** @param trace the span the handshake arrived under, or {@code null} */
    ObservedHandshake(ExchangeRecord record, Tracing.Parent trace) {
        this.record = record;
        this.trace = trace;
    }

    /** Refused before any node heard of it (a rate limit, the tunnel limit). */
    void refused(ExchangeRecord.Outcome outcome, int status) {
        record.refused(outcome, status);
    }

    /** An attempt goes to the node with this head; its trace context is put on the head. */
    void attemptStarted(Node node, HttpRequest head, boolean retry) {
        if (retry) {
            record.retried();
        }
        attempt = record.attemptStarted(node.index(), node.address());
        if (trace != null) {
            span = trace.attemptStarted(head);
        }
    }

    /** The node answered with this status. */
    void attemptAnswered(int status) {
        record.responseHead(attempt, status);
        attemptEnded(status, null);
    }

    /** The attempt failed ({@code not_connected}, {@code io}, ...) with no answer. */
    void attemptFailed(String failure) {
        attemptEnded(0, failure);
    }

    private void attemptEnded(int status, String failure) {
        record.attemptEnded(attempt, failure);
        if (span != null) {
            span.ended(status, failure);
            span = null;
        }
    }

    /** The client was sent the node's answer: its 101, or its refusal relayed. */
    void answered(int status) {
        record.sent(status);
        record.exchangeEnded();
    }

    /** The client was sent Sluice's own answer of this status. */
    void failed(String failure, int status) {
        record.failed(failure, status, false);
        record.exchangeEnded();
    }
}
