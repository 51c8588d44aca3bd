package dev.sluice.forwarding;

import dev.sluice.observe.ExchangeRecord;
import dev.sluice.upstream.ThrottledLog;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;

/**
 * What the response leg tells others while {@link ResponseRelay} moves the bytes: the exchange
 * hears of the node's answer, of a client gone and of an answer cut ({@link Outcome}; the node's
 * health and the upstream's counters are its business), the request's {@link ExchangeRecord} gets
 * the status the client was sent, the bytes its connection took and the failure it was answered
 * for, and the upstream's throttled log gets that failure. Each call is made once, where the relay
 * learns the fact, on whichever thread it runs.
 */
final class ResponseReport {
    /** What the relay reports back to its exchange. */
    interface Outcome {
        /** The upstream's response head arrived: its status and Retry-After tell about the node's health. */
        void responseHead(int status, String retryAfter);

        /**
         * The client went away or its connection broke: stop the upstream side. The exchange is
         * over, though the container may never say so (Jetty calls no {@code AsyncListener} once a
         * write to a client that left has failed).
         */
        void clientFailed(Throwable cause);

        /**
         * The client's connection was cut after the upstream failed mid-answer: the exchange is over,
         * though the container may never say so (Jetty calls no {@code AsyncListener} after its abort).
         */
        void responseAborted();
    }

    private final Outcome outcome;
    private final ExchangeRecord record;
    private final ThrottledLog failureLog;

    ResponseReport(Outcome outcome, ExchangeRecord record, ThrottledLog failureLog) {
        this.outcome = outcome;
        this.record = record;
        this.failureLog = failureLog;
    }

    /** The node's response head arrived (not yet applied to the client's response). */
    void headArrived(HttpResponse head) {
        Header retryAfter = head.getFirstHeader("Retry-After");
        outcome.responseHead(head.getCode(), retryAfter == null ? null : retryAfter.getValue());
    }

    /** The head went to the client's response with this status. */
    void headSent(int status) {
        record.sent(status);
    }

    /** The client's connection took this many more bytes of the body. */
    void bytesOut(long bytes) {
        record.bytesOut(bytes);
    }

    /** The request's id, as the client is sent it. */
    String requestId() {
        return record.requestId();
    }

    /** The failure is answered with its own short answer: nothing of the node's response reached the client. */
    void answered(UpstreamFailure cause) {
        record.failed(cause.kind().tag(), cause.status(), false);
        failureLog.log(System.Logger.Level.WARNING, () -> cause + "; answered " + cause.status());
    }

    /** The failure came after the head was applied: the client's connection is cut next ({@link #cut}). */
    void cutting(UpstreamFailure cause) {
        record.failed(cause.kind().tag(), cause.status(), true);
        failureLog.log(System.Logger.Level.WARNING, () -> cause + "; response already started, closing the client connection");
    }

    /** The client's connection was cut: the exchange is over. */
    void cut() {
        outcome.responseAborted();
    }

    /** The client went away or its connection broke. */
    void clientFailed(Throwable cause) {
        outcome.clientFailed(cause);
    }
}
